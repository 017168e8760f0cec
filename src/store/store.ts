/**
 * The seam between the job engine/transports and persistence. Everything above this file talks
 * to a `Store`; the embedded SQLite store implements it today, a Redis store can later.
 * Every implementation must pass test/store-conformance.ts.
 *
 * Two halves:
 * - `JobStore`: jobs and their append-only event logs, with atomic "change + event" writes;
 * - `EventBus`: live notification of each appended event, published only after it is durable.
 */
import type { AppError } from '../model/errors/app-error.js';
import type { JobPage, ListQuery } from '../model/job-page.js';
import type { Job, JobError, JobEvent, JobStatus } from '../model/job.js';
import type { MessageTopic, Topic, TopicMessage } from '../model/topic.js';
import type { LeaseStore } from './leases.js';

export interface NewJob {
  type: string;
  /** Already validated and normalised (defaults applied). */
  input: unknown;
  idempotencyKey?: string;
  /** With API keys on: the submitting key's name. */
  owner?: string;
}

export type CreateResult =
  | { outcome: 'created'; job: Job }
  /** The idempotency key was used before with the same type and input: that job is returned. */
  | { outcome: 'replayed'; job: Job }
  /** The idempotency key was used before with a different type or input. */
  | { outcome: 'conflict'; job: Job };

/** A change to a job; the store derives the new status through the state machine. */
export type JobChange =
  /** queued → running by an external queue (BullMQ); local runners use claimNext(). */
  | { kind: 'started' }
  | { kind: 'progress'; progress: number; data?: unknown }
  | { kind: 'succeeded'; result: unknown }
  /** `retryable: false`: the job must not be tried again (an external worker says so). */
  | { kind: 'failed'; error: JobError; retryable?: boolean }
  | { kind: 'canceled'; reason?: string }
  | { kind: 'requeued'; reason: string };

export interface EventPage {
  events: JobEvent[];
  /**
   * The lowest seq still held for the job. When it is greater than `afterSeq + 1` the history
   * the caller asked for is gone and it must reset to the current snapshot instead.
   */
  firstSeq: number;
}

export interface JobStore {
  /** Stores a job with its `queued` event (seq 1), atomically; honours idempotency keys. */
  create(job: NewJob): Promise<CreateResult>;
  get(id: string): Promise<Job | undefined>;
  /** Newest first. */
  list(query: ListQuery): Promise<JobPage>;
  /**
   * Applies `change` through the state machine, appends its event and publishes it.
   * Rejects with `job_not_found` or `illegal_transition`.
   */
  update(id: string, change: JobChange): Promise<{ job: Job; event: JobEvent }>;
  /**
   * Moves the oldest queued job to running (attempt + 1, a `started` event) and returns it;
   * with `exceptTypes`, the oldest of any other type (a runner leaves the jobs of external
   * workers' types alone, but still takes — and fails — those of types it no longer knows).
   */
  claimNext(exceptTypes?: readonly string[]): Promise<Job | undefined>;
  /** Events of one job with seq > afterSeq, in order, at most `limit`. Undefined if no such job. */
  events(id: string, afterSeq: number, limit?: number): Promise<EventPage | undefined>;
  /** Deletes finished jobs (and their events and idempotency keys) last changed before `before`. */
  prune(before: Date): Promise<number>;
  countByStatus(): Promise<Record<JobStatus, number>>;
  /** Cheap liveness probe of the underlying storage; rejects when it is unusable. */
  ping(): Promise<void>;
  /** Rejects when a write could not be made now (read-only, locked, refusing writes). */
  probeWrite(): Promise<void>;
}

export type EventListener = (event: JobEvent) => void;
export type Unsubscribe = () => void;

export type MessageListener = (message: TopicMessage) => void;

export interface EventBus {
  /**
   * Calls `listener` for each event published on `topic` from now on: `job:<id>` for one job,
   * `jobs` for every job. Subscribe before reading stored state so nothing falls in between.
   *
   * Delivery may be asynchronous (Redis), so a listener can also receive an event committed
   * shortly before it subscribed, or (after a reconnect) a job's latest event again:
   * consumers compare `seq` with what they already have, as the job watch does.
   */
  subscribe(topic: Topic, listener: EventListener): Unsubscribe;
  /**
   * Delivers `data` to the current subscribers of a message topic, in publish order per
   * publisher. Nothing is kept: a subscriber that joins later never sees it.
   */
  publishMessage(topic: MessageTopic, data: unknown): Promise<void>;
  /** Calls `listener` for each message published on `topic` from now on. */
  subscribeMessages(topic: MessageTopic, listener: MessageListener): Unsubscribe;
}

export type FaultListener = (error: AppError) => void;

export interface Store extends JobStore, EventBus, LeaseStore {
  /** Idempotent; pending calls settle before it resolves. */
  close(): Promise<void>;
  /**
   * Calls `listener` once if the store finds it can no longer vouch for the jobs it held (in
   * Redis mode: Redis lost this deployment's data), so that live followers stop and report
   * `error` instead of waiting in silence. Stores whose data cannot vanish behind the process's
   * back leave it out.
   */
  subscribeFaults?(listener: FaultListener): Unsubscribe;
}

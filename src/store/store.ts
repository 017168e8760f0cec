/**
 * The seam between the job engine/transports and persistence. Everything above this file talks
 * to a `Store`; the embedded SQLite store implements it today, a Redis store can later.
 * Every implementation must pass test/store-conformance.ts.
 *
 * Two halves:
 * - `JobStore`: jobs and their append-only event logs, with atomic "change + event" writes;
 * - `EventBus`: live notification of each appended event, published only after it is durable.
 */
import type { Closeable } from '../lifecycle/lifecycle.js';
import type { AppError } from '../model/errors/app-error.js';
import type { JobPage, ListQuery } from '../model/job-page.js';
import type { Job, JobError, JobEvent, JobStatus } from '../model/job.js';
import type { MessageTopic, Topic, TopicMessage } from '../model/topic.js';
import type { LeaseStore } from './leases.js';
import type { NewJob } from './new-job.js';
import type { ScheduleStore } from './schedules.js';
import type { TypeSlots } from './type-slots.js';
import type { WebhookEndpointStore } from './webhook-endpoints.js';
import type { WebhookOutbox } from './webhook-outbox.js';

export type { NewJob };

/** What one claim took, and when the next delayed job becomes due (to wake up then). */
export interface ClaimResult {
  jobs: Job[];
  /** The earliest `runAt` (ms) of a queued job not yet due, if any. */
  nextDueAt: number | undefined;
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
  /**
   * Ends a run. The store retries it instead (a `retrying` event, back to `queued` with a due
   * time from the job's backoff; store/retry-decision.ts) when the job was running, has
   * attempts left and the failure is not marked `retryable: false`.
   */
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
   * Moves up to `limit` due queued jobs to running (attempt + 1, a `started` event each), in
   * claim order: higher priority first, then arrival order; a job whose `runAt` is still
   * ahead is not due. All in one write. With `exceptTypes`, only jobs of other types (a
   * runner leaves the jobs of external workers' types alone, but still takes — and fails —
   * those of types it no longer knows). With `typeLimits`, a job of a type named there is
   * not claimed while that many of the type's jobs are `running` in the store — whoever runs
   * them (per-type concurrency, docs/queue.md); the claim goes on to the next job in order.
   */
  claimNext(
    limit?: number,
    exceptTypes?: readonly string[],
    typeLimits?: Readonly<Record<string, number>>,
  ): Promise<ClaimResult>;
  /** Events of one job with seq > afterSeq, in order, at most `limit`. Undefined if no such job. */
  events(id: string, afterSeq: number, limit?: number): Promise<EventPage | undefined>;
  /**
   * Deletes finished jobs (and their events and idempotency keys) past their retention: a job
   * with its own (`keepForMs`) once that long has passed since its last change by `now`
   * (default: the current time on the store's clock), any other once it last changed before
   * `before`. `now` is for tests: a time ahead stands for a clock that moved on.
   */
  prune(before: Date, now?: Date): Promise<number>;
  countByStatus(): Promise<Record<JobStatus, number>>;
  /** Cheap liveness probe of the underlying storage; rejects when it is unusable. */
  ping(): Promise<void>;
  /** Rejects when a write could not be made now (read-only, locked, refusing writes). */
  probeWrite(): Promise<void>;
}

/**
 * `conflated`: how many earlier progress events of the job this progress event supersedes and
 * the bus did not deliver (an in-process bus pacing its fan-out under load); its `seq` skips
 * exactly those. Absent or 0 otherwise.
 */
export type EventListener = (event: JobEvent, conflated?: number) => void;
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

/** Why the store's writes fail right now (a full disk, an I/O error), and since when. */
export interface WriteFailure {
  code: 'storage_full' | 'store_unavailable';
  message: string;
  /** ms since the epoch of the first failed write of this episode. */
  since: number;
}

export interface Store extends JobStore, EventBus, LeaseStore, Closeable {
  /**
   * Memoised, never rejects (the lifecycle contract); writes already accepted are committed or
   * settle before it resolves, later calls reject.
   */
  close(): Promise<void>;
  /**
   * Calls `listener` once if the store finds it can no longer vouch for the jobs it held (in
   * Redis mode: Redis lost this deployment's data), so that live followers stop and report
   * `error` instead of waiting in silence. Stores whose data cannot vanish behind the process's
   * back leave it out.
   */
  subscribeFaults?(listener: FaultListener): Unsubscribe;
  /** Recurring schedules (schedules.ts): each tick creates one job. */
  readonly schedules: ScheduleStore;
  /** Starting one job within its type's concurrency (type-slots.ts): the BullMQ worker's start. */
  readonly typeSlots: TypeSlots;
  /** The webhook outbox; stores without one refuse jobs that ask for webhooks. */
  readonly webhooks?: WebhookOutbox;
  /** Registered endpoints (`/webhooks`), kept by every store that keeps an outbox. */
  readonly webhookEndpoints?: WebhookEndpointStore;
  /**
   * Undefined while writes succeed; while the storage refuses them (SQLite on a full disk),
   * why. Recovers on the next successful write or the store's own probe write. Stores that
   * report write failures per request only (Redis) leave it out.
   */
  writeFailure?(): WriteFailure | undefined;
}

/**
 * The job engine, the only door to jobs for every surface above it (REST, the overview's
 * /submit, every transport): submit with validation and idempotency, read, list, cancel, watch
 * — always on behalf of a caller, who sees only its own jobs when API keys are on — plus the
 * message topics, and the store's health and counts for /healthz and /metrics. It knows
 * nothing of HTTP; it speaks in jobs, events and catalogue errors.
 */
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import { AppError } from '../model/errors/app-error.js';
import type { Store, WriteFailure } from '../store/store.js';
import type { JobPage, ListQuery } from '../model/job-page.js';
import type { JobDispatcher } from './runners/job-dispatcher.js';
import type { Job, JobEvent, JobStatus } from '../model/job.js';
import type { JobTypeRegistry } from './registry.js';
import { JobWatch, type WatchOptions } from './job-watch.js';
import { Topics } from './topics.js';
import type { RoomPresence } from '../store/room-presence.js';
import { visibleEvents, visibleJob } from './visibility.js';
import { ExternalWorkers, type ExternalWorkersOptions } from './workers/external-workers.js';
import type { Delivery, WebhookEventMode } from '../model/webhook.js';
import { WebhookEndpoints } from './webhook-endpoints.js';
import { WebhookQueue } from './webhook-queue.js';
import { DeliveryWatch, noticeDeliveryChange } from './delivery-watch.js';
import { queueSettings } from './queue-settings.js';
import type { QueueOptions } from '../model/queue-options.js';
import { Schedules } from './schedules.js';
import { ScheduleTicker } from './schedule-ticker.js';

/** How the engine's schedule ticker runs: how often, and who hears about a failed pass. */
export interface ScheduleTickerSettings {
  tickMs?: number;
  onError?: (error: unknown) => void;
}

export interface RetentionSettings {
  /**
   * The longest a job may keep itself once finished (`keepFor`): `--max-keep-for`, or
   * `--retention` when that is longer. Default: no cap.
   */
  maxKeepForMs?: number;
}

export interface SubmitRequest extends QueueOptions {
  type: string;
  input?: unknown;
  idempotencyKey?: string;
  caller?: Caller;
  /** Call these URLs back about the job (the caller checked them: transports/webhooks/). */
  webhooks?: readonly { url: string; events: WebhookEventMode }[];
  /** Not run before this time (ISO 8601); instead of `delayMs`. */
  runAt?: string;
}

/** How often the schedule ticker looks for due ticks: a tick fires at most this late. */
export const SCHEDULE_TICK_MS = 250;

export interface SubmitResult {
  job: Job;
  /** True when an Idempotency-Key matched an earlier request and its job is returned. */
  replayed: boolean;
}

export class JobEngine {
  readonly registry: JobTypeRegistry;
  /** Chat rooms and publish/subscribe: messages with no log, and who is in each room. */
  readonly topics: Topics;
  /** The worker protocol: external workers claim, renew and finish jobs (docs/workers.md). */
  readonly workers: ExternalWorkers;
  /** Recurring schedules: create, list, read, pause, resume, delete (docs/queue.md). */
  readonly schedules: Schedules;
  /** Fires each schedule's ticks; the server starts it and closes it before the store. */
  readonly scheduleTicker: ScheduleTicker;
  readonly #store: Store;
  readonly #dispatcher: JobDispatcher | undefined;
  /** The webhook outbox for the delivery transport; undefined when the store has none. */
  readonly webhookQueue: WebhookQueue | undefined;
  /** Registered endpoints (`/webhooks`); undefined when the store keeps none. */
  readonly webhookEndpoints: WebhookEndpoints | undefined;
  readonly #clock: () => number;
  readonly #maxKeepForMs: number | undefined;
  #accepting = true;

  /**
   * `dispatcher` hands stored jobs to an external queue (Redis mode); embedded mode has none.
   * `clock` is the deployment's (Redis's in Redis mode): delays become due times on it.
   * `presence` counts chat rooms across gateways (Redis mode); without it, this process counts.
   */
  constructor(
    store: Store,
    registry: JobTypeRegistry,
    dispatcher?: JobDispatcher,
    workers: ExternalWorkersOptions = { leaseMs: 30_000, requeueBelowAttempt: 3 },
    clock: () => number = Date.now,
    schedules: ScheduleTickerSettings = {},
    retention: RetentionSettings = {},
    presence?: RoomPresence,
  ) {
    this.#store = store;
    this.registry = registry;
    this.topics = new Topics(store, presence);
    this.workers = new ExternalWorkers(store, registry, workers);
    this.#dispatcher = dispatcher;
    this.webhookQueue = store.webhooks && new WebhookQueue(store.webhooks, store);
    this.#clock = clock;
    this.#maxKeepForMs = retention.maxKeepForMs;
    this.webhookEndpoints =
      store.webhookEndpoints && new WebhookEndpoints(store.webhookEndpoints, clock);
    this.schedules = new Schedules(store.schedules, registry, clock);
    this.scheduleTicker = new ScheduleTicker(store, registry, {
      intervalMs: schedules.tickMs ?? SCHEDULE_TICK_MS,
      clock,
      onError: schedules.onError,
      dispatch: dispatcher && ((job) => dispatcher.dispatch(job)),
      maxKeepForMs: retention.maxKeepForMs,
    });
  }

  /** From now on `submit` answers `shutting_down` (a draining server takes no new work). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    if (!this.#accepting) throw new AppError('shutting_down', 'the server is shutting down');
    const input = await this.registry.parseInput(request.type, request.input);
    const type = this.registry.get(request.type);
    const settings = queueSettings(request, type, this.#clock, this.#maxKeepForMs);
    const owner = (request.caller ?? ANONYMOUS).owner;
    if (request.webhooks?.length && !this.#store.webhooks) {
      throw new AppError('webhooks_unsupported', 'this store does not deliver webhooks');
    }
    // The settings are spread last, not first: on Node 20 a literal that starts with a spread
    // and then names properties took 3.5–4.7 µs to build, spread last 0.1–0.2 µs (a submit's
    // server CPU is ~110 µs; docs/benchmarks.md). Their keys are not among the others.
    const created = await this.#store.create({
      type: request.type,
      input,
      // Keys are per owner: two keys' callers can never collide on (or probe) each other's.
      idempotencyKey:
        request.idempotencyKey === undefined || owner === undefined
          ? request.idempotencyKey
          : `${owner}\n${request.idempotencyKey}`,
      owner,
      webhooks: request.webhooks,
      ...settings,
    });
    if (created.outcome === 'conflict') {
      throw new AppError(
        'idempotency_key_reused',
        'this Idempotency-Key was used for a different request',
        { jobId: created.job.id },
      );
    }
    // A replay enqueues again too: it heals a submit whose enqueue failed the first time, and
    // the queue ignores a job it already has.
    if (this.#dispatcher && created.job.status === 'queued') {
      try {
        await this.#dispatcher.dispatch(created.job);
      } catch {
        // Not acknowledged: a retry with the same Idempotency-Key enqueues it again, and the
        // outbox reconciler of any running process does within seconds (outbox-reconciler.ts).
        throw new AppError('store_unavailable', 'the job was stored but could not be queued', {
          jobId: created.job.id,
        });
      }
    }
    return { job: created.job, replayed: created.outcome === 'replayed' };
  }

  /** The job, or `job_not_found` — also when it exists but belongs to another caller. */
  get(id: string, caller: Caller = ANONYMOUS): Promise<Job> {
    return visibleJob(this.#store, id, caller);
  }

  /** The caller's jobs, newest first. */
  list(query: Omit<ListQuery, 'owner'>, caller: Caller = ANONYMOUS): Promise<JobPage> {
    return this.#store.list({ ...query, owner: caller.owner });
  }

  /**
   * Watches one job (src/jobs/job-watch.ts): subscribes, then reads it, and rejects
   * `job_not_found` when the caller may not see it. `start()` on the result delivers what the
   * client has not seen (snapshot, reset or history, paced by the consumer) and then live events.
   */
  watch(id: string, options: WatchOptions = {}): Promise<JobWatch> {
    return JobWatch.open(this.#store, id, options);
  }

  /**
   * Calls `listener` with every event of every job the caller may see, from now on, in order
   * per job (the `jobs` topic: live only, there is no global log to replay). Returns the
   * unsubscribe function.
   */
  watchJobs(caller: Caller, listener: (event: JobEvent) => void): () => void {
    return this.#store.subscribe('jobs', visibleEvents(this.#store, caller, listener));
  }

  /** The webhook deliveries of a job the caller may see, with every attempt. */
  async deliveries(id: string, caller: Caller = ANONYMOUS): Promise<Delivery[]> {
    await this.get(id, caller);
    return this.#store.webhooks ? this.#store.webhooks.forJob(id) : [];
  }

  /**
   * Follows the deliveries of a job the caller may see (delivery-watch.ts): subscribes, then
   * rejects `job_not_found` if it may not; `start()` sends all of them, then each change.
   */
  watchDeliveries(id: string, caller: Caller = ANONYMOUS): Promise<DeliveryWatch> {
    return DeliveryWatch.open(this.#store, id, caller);
  }

  /** Sends a dead delivery again (a new retry window, the same webhook-id). */
  async redeliver(id: string, deliveryId: string, caller: Caller = ANONYMOUS): Promise<void> {
    await this.get(id, caller);
    const outcome = await this.#store.webhooks?.redeliver(id, deliveryId, this.#clock());
    if (outcome === 'redelivered') {
      noticeDeliveryChange(this.#store, id, deliveryId);
      return;
    }
    if (outcome === 'not_dead') {
      throw new AppError('delivery_not_dead', 'only a dead delivery can be redelivered');
    }
    throw new AppError('delivery_not_found', `job ${id} has no delivery ${deliveryId}`);
  }

  /**
   * Ready for traffic: accepting work, the store answers, its writes are not failing (a full
   * disk: the store's own write health says so) and it could take the write lock now.
   */
  async ready(): Promise<void> {
    if (!this.#accepting) throw new AppError('shutting_down', 'the server is shutting down');
    await this.#store.ping();
    const failure = this.writeFailure();
    if (failure) throw new AppError(failure.code, failure.message);
    await this.#store.probeWrite();
  }

  /** Rejects when the store is unusable (/healthz). */
  ping(): Promise<void> {
    return this.#store.ping();
  }

  /** Why the store's writes fail right now, if they do (/healthz reports `degraded`). */
  writeFailure(): WriteFailure | undefined {
    return this.#store.writeFailure?.();
  }

  /** Jobs in the store by status (/metrics). */
  countByStatus(): Promise<Record<JobStatus, number>> {
    return this.#store.countByStatus();
  }

  /**
   * Cancels a queued or running job and returns its snapshot. Canceling a canceled job returns
   * it unchanged (idempotent); a job that succeeded or failed is `job_finished`.
   */
  async cancel(id: string, caller: Caller = ANONYMOUS): Promise<Job> {
    const job = await this.get(id, caller);
    if (job.status === 'canceled') return job;
    if (job.status === 'succeeded' || job.status === 'failed') throw finished(job);
    try {
      return (await this.#store.update(id, { kind: 'canceled', reason: 'requested' })).job;
    } catch (error) {
      // It ended between the read and the write: answer from what it became.
      if (error instanceof AppError && error.code === 'illegal_transition') {
        const now = await this.get(id, caller);
        if (now.status === 'canceled') return now;
        throw finished(now);
      }
      throw error;
    }
  }
}

function finished(job: Job): AppError {
  return new AppError('job_finished', `the job already ${job.status}`, { status: job.status });
}

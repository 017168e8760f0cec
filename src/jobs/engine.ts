/**
 * The job engine's front door, shared by every surface (REST, the overview's /submit, later the
 * CLI and WebSocket): submit with validation and idempotency, read, cancel. It knows nothing
 * of HTTP; it speaks in jobs and catalogue errors.
 */
import { AppError } from '../errors/app-error.js';
import type { Store } from '../store/store.js';
import type { JobDispatcher } from './job-dispatcher.js';
import type { Job } from './job.js';
import type { JobTypeRegistry } from './registry.js';

export interface SubmitRequest {
  type: string;
  input?: unknown;
  idempotencyKey?: string;
}

export interface SubmitResult {
  job: Job;
  /** True when an Idempotency-Key matched an earlier request and its job is returned. */
  replayed: boolean;
}

export class JobEngine {
  readonly store: Store;
  readonly registry: JobTypeRegistry;
  readonly #dispatcher: JobDispatcher | undefined;
  #accepting = true;

  /** `dispatcher` hands stored jobs to an external queue (Redis mode); embedded mode has none. */
  constructor(store: Store, registry: JobTypeRegistry, dispatcher?: JobDispatcher) {
    this.store = store;
    this.registry = registry;
    this.#dispatcher = dispatcher;
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
    const created = await this.store.create({
      type: request.type,
      input,
      idempotencyKey: request.idempotencyKey,
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
        // Not acknowledged: a retry with the same Idempotency-Key enqueues it again, and
        // workers re-enqueue stored queued jobs when they start.
        throw new AppError('store_unavailable', 'the job was stored but could not be queued', {
          jobId: created.job.id,
        });
      }
    }
    return { job: created.job, replayed: created.outcome === 'replayed' };
  }

  async get(id: string): Promise<Job> {
    const job = await this.store.get(id);
    if (!job) throw new AppError('job_not_found', `no job has id ${id}`);
    return job;
  }

  /**
   * Cancels a queued or running job and returns its snapshot. Canceling a canceled job returns
   * it unchanged (idempotent); a job that succeeded or failed is `job_finished`.
   */
  async cancel(id: string): Promise<Job> {
    const job = await this.get(id);
    if (job.status === 'canceled') return job;
    if (job.status === 'succeeded' || job.status === 'failed') throw finished(job);
    try {
      return (await this.store.update(id, { kind: 'canceled', reason: 'requested' })).job;
    } catch (error) {
      // It ended between the read and the write: answer from what it became.
      if (error instanceof AppError && error.code === 'illegal_transition') {
        const now = await this.get(id);
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

/**
 * What a job type is: a name, a validated input schema, a timeout, and how it executes.
 *
 * - `io` types run their handler on the event loop; they must only await (files, sockets,
 *   timers) and never compute for long: a CPU-heavy step goes to `ctx.runInWorker`.
 * - `cpu` types name a worker-thread task module instead of a handler: the runner always
 *   runs them in the worker pool, so they cannot block the loop by construction.
 * - `external` types have neither: a worker process in any language claims their jobs over
 *   HTTP with a lease (docs/workers.md); the server only validates, stores and watches them.
 */
import type { Logger } from 'pino';
import type { Static, TSchema } from 'typebox';
import type { WorkerTaskRef } from '../execution/worker-task.js';
import { AppError } from '../model/errors/app-error.js';
import type { BackoffPolicy } from '../model/backoff.js';
import type { Duration } from '../model/queue-options.js';

export interface JobContext {
  readonly jobId: string;
  readonly attempt: number;
  /** Aborted when the job is canceled, times out, or the server hands it back at shutdown. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /**
   * Records progress (0–100, rounded) with optional data as an event. Awaiting it is optional;
   * updates are written in call order, and updates after the job ended are ignored.
   */
  progress(percent: number, data?: unknown): Promise<void>;
  /**
   * Runs the CPU-heavy part of an `io` job in the worker pool, with this job's cancellation and
   * progress, and returns the task's value. The loop only waits for it.
   */
  runInWorker(task: WorkerTaskRef, input: unknown): Promise<unknown>;
}

interface JobTypeBase<S extends TSchema> {
  readonly name: string;
  readonly description: string;
  /** JSON Schema (TypeBox) of the input; defaults in it are applied before the job is stored. */
  readonly input: S;
  readonly timeoutMs: number;
  /** Runs a job of this type may have in all, unless its submit says (default 1: no retries). */
  readonly attempts?: number;
  /** The wait before each retry, unless the submit says (default: model/queue-options.ts). */
  readonly backoff?: BackoffPolicy;
  /** The priority of its jobs, unless the submit says (default 0). */
  readonly priority?: number;
  /**
   * How long its jobs are kept once finished, unless the submit says: ms or text such as
   * `"7d"` (default: the server's --retention; clamped to --max-keep-for).
   */
  readonly keepFor?: Duration;
  /**
   * At most this many of its jobs run at once in the whole deployment — every runner and
   * worker, beside each one's own --concurrency — so one slow type cannot take every slot
   * (docs/queue.md). Default: no limit of its own.
   */
  readonly concurrency?: number;
  /**
   * Checks beyond the schema that need I/O or configuration (for example path confinement),
   * run at submit time; throw `invalidInput(field, message)` to reject the request with 400.
   */
  check?(input: Static<S>): Promise<void>;
}

export interface IoJobType<S extends TSchema = TSchema> extends JobTypeBase<S> {
  readonly execution: 'io';
  handler(input: Static<S>, ctx: JobContext): Promise<unknown>;
}

export interface CpuJobType<S extends TSchema = TSchema> extends JobTypeBase<S> {
  readonly execution: 'cpu';
  readonly task: WorkerTaskRef;
}

/**
 * Run by external workers (src/jobs/workers/): `timeoutMs` is handed to the worker with each
 * claim as its budget; the server bounds an attempt by its lease, not by this.
 */
export interface ExternalJobType<S extends TSchema = TSchema> extends JobTypeBase<S> {
  readonly execution: 'external';
}

export type JobType<S extends TSchema = TSchema> =
  IoJobType<S> | CpuJobType<S> | ExternalJobType<S>;

/**
 * Erases the input type so definitions of different schemas fit in one registry. Sound because
 * the registry validates every input against `input` before a handler or check can see it.
 */
export type AnyJobType = JobType & {
  check?(input: unknown): Promise<void>;
  handler?(input: unknown, ctx: JobContext): Promise<unknown>;
};

export function defineJobType<S extends TSchema>(definition: JobType<S>): AnyJobType {
  return definition;
}

/**
 * For a job type's `check`: the error that rejects a submit with 400 `invalid_input`, naming the
 * field of the input at fault (`url`, `size.width`) as schema violations do.
 */
export function invalidInput(field: string, message: string): Error {
  const path = `input.${field}`;
  return new AppError('invalid_input', `${path} ${message}`, {
    errors: [{ field: path, message }],
  });
}

/**
 * The worker-thread side of a CPU job: wraps a plain function so that it can report progress
 * over a MessagePort and return its outcome as data. Only used inside worker modules, e.g.
 *
 *   export default workerTask((input: { n: number }, ctx) => { ctx.progress(50); return 42; });
 */
import type { MessagePort } from 'node:worker_threads';
import { isJobFailure, type FailureCode } from '../model/errors/job-failure.js';

/** A worker-thread module whose default export was made with `workerTask()`. */
export interface WorkerTaskRef {
  /** File URL of the module. */
  readonly module: string;
}

export interface WorkerTaskContext {
  /** Posts progress (0–100) to the main thread; cheap, never blocks the task. */
  progress(percent: number, data?: unknown): void;
}

export interface WorkerTaskMessage<I = unknown> {
  input: I;
  port: MessagePort;
}

export interface ProgressMessage {
  percent: number;
  data?: unknown;
}

/**
 * A task's outcome as plain data: a JobFailure thrown in the worker keeps its code and message,
 * any other error becomes `handler_error`. A rejected run therefore always means the worker
 * itself died (or was terminated to cancel the task).
 */
export type WorkerOutcome =
  | { ok: true; value: unknown }
  | { ok: false; code: FailureCode; message: string; internal?: string; retryable?: boolean };

export function workerTask<I, R>(
  fn: (input: I, ctx: WorkerTaskContext) => R | Promise<R>,
): (message: WorkerTaskMessage<I>) => Promise<WorkerOutcome> {
  return async ({ input, port }) => {
    const ctx: WorkerTaskContext = {
      progress(percent, data) {
        const message: ProgressMessage = data === undefined ? { percent } : { percent, data };
        port.postMessage(message);
      },
    };
    try {
      return { ok: true, value: await fn(input, ctx) };
    } catch (error) {
      if (isJobFailure(error)) {
        const { code, message, internal, retryable } = error;
        return { ok: false, code, message, internal, retryable };
      }
      return {
        ok: false,
        code: 'handler_error',
        message: 'the job failed unexpectedly',
        internal: error instanceof Error ? (error.stack ?? error.message) : String(error),
      };
    } finally {
      port.close();
    }
  };
}

/**
 * The URL of a sibling worker module, with the extension of the calling module: `.ts` when
 * running from source (tsx, vitest), `.js` when running the build.
 */
export function siblingModule(callerUrl: string, baseName: string): string {
  const extension = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${baseName}${extension}`, callerUrl).href;
}

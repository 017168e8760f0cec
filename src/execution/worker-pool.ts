/**
 * The pool of worker threads that runs every CPU-bound job (piscina underneath). It adds what
 * jobs need on top: progress messages from the worker, cancellation through an AbortSignal
 * (piscina terminates the thread and starts a fresh one), and turning a dead worker into a
 * `worker_crashed` job failure.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { JobFailure } from '../jobs/job-failure.js';
import type { WorkerTaskRef } from '../jobs/job-type.js';
import { execArgvFor } from './exec-argv.js';
import type { ProgressMessage, WorkerOutcome, WorkerTaskMessage } from './worker-task.js';

export interface WorkerPoolOptions {
  /** Maximum threads; CPU jobs beyond it wait in the pool's queue. */
  size: number;
  /** Idle threads exit after this long, so an idle server holds none. */
  idleTimeoutMs?: number;
}

export interface RunTaskOptions {
  signal: AbortSignal;
  onProgress(percent: number, data?: unknown): void;
}

/** Thrown when a task's worker thread died; the job fails with this message. */
const CRASH_MESSAGE = 'the worker thread running the job exited abnormally';

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

export class WorkerPool {
  readonly #piscina: Piscina<WorkerTaskMessage, WorkerOutcome>;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#piscina = new Piscina({
      minThreads: 0,
      maxThreads: options.size,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      execArgv: execArgvFor(import.meta.url),
    });
  }

  /**
   * Runs `task` with `input` and returns its value. Rejects with the JobFailure the task threw,
   * with `worker_crashed` if its thread died, or with the signal's reason if it was aborted.
   */
  async run(task: WorkerTaskRef, input: unknown, options: RunTaskOptions): Promise<unknown> {
    if (this.#closed) throw new Error('the worker pool is closed');
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: ProgressMessage) => {
      options.onProgress(message.percent, message.data);
    });
    try {
      const outcome = await this.#piscina.run(
        { input, port: port2 },
        { filename: task.module, signal: options.signal, transferList: [port2] },
      );
      if (outcome.ok) return outcome.value;
      throw new JobFailure(outcome.code, outcome.message, outcome.internal);
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      if (error instanceof JobFailure) throw error;
      throw new JobFailure('worker_crashed', CRASH_MESSAGE, String(error));
    } finally {
      port1.close();
    }
  }

  get stats(): { threads: number; queued: number; completed: number } {
    return {
      threads: this.#piscina.threads.length,
      queued: this.#piscina.queueSize,
      completed: this.#piscina.completed,
    };
  }

  /** Terminates all threads; tasks still running are rejected. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.destroy();
  }
}

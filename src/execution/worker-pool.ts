/**
 * The pool of worker threads that runs every CPU-bound job (piscina underneath). It adds what
 * jobs need on top: progress messages from the worker, cancellation through an AbortSignal
 * (piscina terminates the thread), turning a dead worker into a `worker_crashed` job failure,
 * and run/wait statistics for /metrics.
 *
 * Tasks wait for a thread in this pool's own queue, never in piscina's: with `minThreads: 0`,
 * piscina replaces a thread it terminated (cancel) or lost (crash) only up to minThreads, so a
 * task queued behind it would wait forever. Handing piscina only as many tasks as it has
 * threads means every hand-over either finds a ready thread or makes piscina start one.
 */
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { JobFailure } from '../model/errors/job-failure.js';
import {
  Lifecycle,
  warnOnStageError,
  type Closeable,
  type LifecycleState,
  type StageErrorHandler,
} from '../lifecycle/lifecycle.js';
import { threadExecArgv } from './exec-argv.js';
import { TaskSlots } from './task-slots.js';
import type {
  ProgressMessage,
  WorkerOutcome,
  WorkerTaskMessage,
  WorkerTaskRef,
} from './worker-task.js';

export interface WorkerPoolOptions {
  /** Maximum threads; CPU jobs beyond it wait in the pool's queue, in order. */
  size: number;
  /** Idle threads exit after this long, so an idle server holds none. */
  idleTimeoutMs?: number;
  /** Reports a failed close stage (default: a process warning). */
  onCloseError?: StageErrorHandler;
}

export interface RunTaskOptions {
  signal: AbortSignal;
  onProgress(percent: number, data?: unknown): void;
}

/** Milliseconds, over every task since the pool started. */
export interface TaskTiming {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface WorkerPoolStats {
  /** Threads alive now (idle ones exit after idleTimeoutMs). */
  threads: number;
  maxThreads: number;
  /** Tasks waiting for a free thread. */
  queued: number;
  completed: number;
  /** Time tasks spent running in a thread (piscina's histogram). */
  runMs: TaskTiming;
  /** Time tasks waited in the queue for a free thread. */
  waitMs: TaskTiming;
}

/** Thrown when a task's worker thread died; the job fails with this message. */
const CRASH_MESSAGE = 'the worker thread running the job exited abnormally';

export class WorkerPool implements Closeable {
  readonly #piscina: Piscina<WorkerTaskMessage, WorkerOutcome>;
  readonly #slots: TaskSlots;
  readonly #waitMicros: RecordableHistogram = createHistogram();
  readonly #lifecycle: Lifecycle;

  constructor(options: WorkerPoolOptions) {
    this.#lifecycle = new Lifecycle(options.onCloseError ?? warnOnStageError('the worker pool'));
    this.#slots = new TaskSlots(options.size);
    this.#piscina = new Piscina({
      minThreads: 0,
      maxThreads: options.size,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      execArgv: threadExecArgv(import.meta.url),
    });
  }

  /**
   * Runs `task` with `input` and returns its value. Rejects with the JobFailure the task threw,
   * with `worker_crashed` if its thread died, or with the signal's reason if it was aborted.
   */
  async run(task: WorkerTaskRef, input: unknown, options: RunTaskOptions): Promise<unknown> {
    const queuedAt = performance.now();
    await this.#slots.acquire(options.signal);
    // Checked after the wait: a pool closed meanwhile hands its slots to waiters that must stop.
    if (!this.#lifecycle.running) {
      this.#slots.release();
      throw new Error('the worker pool is closed');
    }
    this.#waitMicros.record(Math.max(1, Math.round((performance.now() - queuedAt) * 1000)));
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
      throw new JobFailure(outcome.code, outcome.message, {
        internal: outcome.internal,
        retryable: outcome.retryable,
      });
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      if (error instanceof JobFailure) throw error;
      throw new JobFailure('worker_crashed', CRASH_MESSAGE, String(error));
    } finally {
      port1.close();
      this.#slots.release();
    }
  }

  get stats(): WorkerPoolStats {
    const run = this.#piscina.histogram.runTime;
    const wait = this.#waitMicros;
    const waitMs = (micros: number) => (wait.count > 0 ? micros / 1000 : 0);
    return {
      threads: this.#piscina.threads.length,
      maxThreads: this.#piscina.maxThreads,
      queued: this.#slots.waiting,
      completed: this.#piscina.completed,
      runMs: { p50: run.p50, p90: run.p90, p99: run.p99, max: run.max },
      waitMs: {
        p50: waitMs(wait.percentile(50)),
        p90: waitMs(wait.percentile(90)),
        p99: waitMs(wait.percentile(99)),
        max: waitMs(wait.max),
      },
    };
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  /** Terminates all threads; tasks still running are rejected. Memoised. */
  close(): Promise<void> {
    return this.#lifecycle.close(() => [{ name: 'threads', run: () => this.#piscina.destroy() }]);
  }
}

/**
 * The worker side of bench/lib/workers.ts: configuration from BENCH_WORKER, messages to the
 * bench over IPC, commands from it. A worker that throws reports `failed` and exits, so the
 * bench never waits on a dead worker until its deadline.
 */
import type { WorkerMessage } from '../lib/workers.js';

/** The configuration the bench passed (its shape is the worker's own config type). */
export function workerConfig(): unknown {
  return JSON.parse(process.env.BENCH_WORKER ?? '{}');
}

export function report(message: WorkerMessage): void {
  process.send?.(message);
}

/** Runs `handler` on each `type` command from the bench. */
export function onCommand(type: string, handler: () => void | Promise<void>): void {
  process.on('message', (message: WorkerMessage) => {
    if (message.type === type) void Promise.resolve(handler()).catch(fail);
  });
}

export function fail(error: unknown): void {
  report({ type: 'failed', error: String(error) } as WorkerMessage);
  setTimeout(() => process.exit(1), 100);
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
// The bench going away (Ctrl-C, a crash) must not leave clients behind.
process.on('disconnect', () => process.exit(0));

/** Opens `count` things `batch` at a time: the server's accept queue is finite. */
export async function inBatches(
  count: number,
  open: (index: number) => Promise<void>,
  batch = 200,
): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    await Promise.all(Array.from({ length: size }, (_, k) => open(start + k)));
  }
}

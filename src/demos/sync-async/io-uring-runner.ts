/** The parent's side of io-uring-child.ts: starts the child and asks it for measurements. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { childExecArgv } from '../../execution/exec-argv.js';
import { siblingModule } from '../../execution/worker-task.js';
import type { ChildMessage, MeasureRequest } from './io-uring-child.js';
import type { ReadMeasurement } from './measure-read.js';

export class IoUringRunner {
  readonly #child: ChildProcess;
  /** io_uring instances libuv opened in the child: 0 means the kernel or a sandbox refused. */
  readonly rings: number;
  readonly strategies: readonly string[];

  private constructor(child: ChildProcess, rings: number, strategies: string[]) {
    this.#child = child;
    this.rings = rings;
    this.strategies = strategies;
  }

  static async start(chunkBytes: number): Promise<IoUringRunner> {
    const module = siblingModule(import.meta.url, 'io-uring-child');
    const child = fork(fileURLToPath(module), [String(chunkBytes)], {
      execArgv: childExecArgv(module),
      env: { ...process.env, UV_USE_IO_URING: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await IoUringRunner.#next(child);
    if (ready.kind !== 'ready') throw new Error('the io_uring child did not start');
    return new IoUringRunner(child, ready.ioUringRings, ready.strategies);
  }

  async measure(strategy: string, path: string): Promise<ReadMeasurement> {
    const reply = IoUringRunner.#next(this.#child);
    this.#child.send({ strategy, path } satisfies MeasureRequest);
    const message = await reply;
    if (message.kind === 'measured') return message.measurement;
    throw new Error(message.kind === 'failed' ? message.message : 'unexpected reply');
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.disconnect();
    await exited;
  }

  static async #next(child: ChildProcess): Promise<ChildMessage> {
    const stop = new AbortController();
    try {
      const [message] = (await Promise.race([
        once(child, 'message', { signal: stop.signal }),
        once(child, 'exit', { signal: stop.signal }).then(([code]) => {
          throw new Error(`the io_uring child exited with ${String(code)}`);
        }),
      ])) as [ChildMessage];
      return message;
    } finally {
      stop.abort(); // drop the listener that lost the race
    }
  }
}

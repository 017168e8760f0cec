/**
 * Client workers: load generators for connection-holding suites run in their own processes, so
 * their CPU is not the server's, each process stays under the 20,000 open-file limit, and each
 * binds its own loopback source address (127.0.0.2, 127.0.0.3, …) for its own ephemeral ports.
 *
 * Workers run compiled, like the servers (build.ts). A worker gets its configuration as JSON in
 * BENCH_WORKER, talks to the bench over the IPC channel with `{ type, … }` messages, and is
 * stopped by PID (its process group) at the end.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { compiled } from './build.js';
import { cpuSecondsOf, rssOf, track, untrack, type BenchProcess } from './processes.js';

export interface WorkerMessage {
  type: string;
}

export interface ClientWorker extends BenchProcess {
  send(message: WorkerMessage): void;
  /** The next message of `type` (a `failed` message rejects). */
  next<T extends WorkerMessage>(type: T['type'], timeoutMs: number): Promise<T>;
}

/** The loopback source address of worker `index` (127.0.0.1 is the servers'). */
export function sourceAddress(index: number): string {
  return `127.0.0.${2 + index}`;
}

function startWorker(script: string, config: object): ClientWorker {
  const child: ChildProcess = fork(compiled(script), [], {
    execArgv: [],
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_WORKER: JSON.stringify(config) },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${script} did not start`);
  const inbox: WorkerMessage[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (message: WorkerMessage) => {
    inbox.push(message);
    for (const wake of [...waiters]) wake();
  });
  child.on('exit', () => {
    for (const wake of [...waiters]) wake();
  });
  const worker: ClientWorker = {
    pid,
    url: '',
    cpuSeconds: () => cpuSecondsOf(pid),
    rssBytes: () => rssOf(pid),
    send(message) {
      if (child.connected) child.send(message);
    },
    next<T extends WorkerMessage>(type: T['type'], timeoutMs: number): Promise<T> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const failed = inbox.find((m) => m.type === 'failed');
          if (failed) {
            done();
            reject(new Error(`${script}: ${JSON.stringify(failed)}`));
            return;
          }
          const index = inbox.findIndex((m) => m.type === type);
          if (index >= 0) {
            done();
            resolve(inbox.splice(index, 1)[0] as T);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`${script} exited before sending ${type}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${script}: no ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      untrack(worker);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(-pid, 'SIGKILL');
      await exited;
    },
  };
  track(worker);
  return worker;
}

/** Starts `count` workers of `script`, the i-th with `config(i)`. */
export function startWorkers(
  script: string,
  count: number,
  config: (index: number) => object,
): ClientWorker[] {
  return Array.from({ length: count }, (_, i) => startWorker(script, config(i)));
}

/** Waits for `type` from every worker. */
export function fromAll<T extends WorkerMessage>(
  workers: ClientWorker[],
  type: T['type'],
  timeoutMs: number,
): Promise<T[]> {
  return Promise.all(workers.map((w) => w.next<T>(type, timeoutMs)));
}

export async function stopWorkers(workers: ClientWorker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
}

/** Splits `total` into `parts` near-equal counts. */
export function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

/**
 * Starts a worker thread running the module at `moduleUrl`, from source (`.ts`, through tsx)
 * or from the build (`.js`). With plain JavaScript this is just `new Worker(url)`; see
 * ts-worker-entry.cjs for why TypeScript needs a CommonJS entry on Node 20.
 */
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { threadExecArgv } from './exec-argv.js';

const TS_ENTRY = fileURLToPath(new URL('./ts-worker-entry.cjs', import.meta.url));

export function startWorker(moduleUrl: string, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(moduleUrl), options);
  return new Worker(TS_ENTRY, {
    ...options,
    execArgv: threadExecArgv(moduleUrl),
    argv: [...((options.argv as string[] | undefined) ?? []), fileURLToPath(moduleUrl)],
  });
}

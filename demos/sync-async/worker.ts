/**
 * CPU-bound work needs a thread, not "async": the worker reads the sample file and stretches its
 * contents into a key with PBKDF2 (a deliberately slow hash, as for passwords), while the main
 * thread keeps printing. With --inline the same hash runs on the main thread: the ticks stop
 * until it is done, although nothing in it waits for I/O.
 *
 *   npx tsx demos/sync-async/worker.ts [--inline]
 */
import { pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort } from 'node:worker_threads';
import { startWorker } from '../../src/execution/start-worker.js';
import { say } from './clock.js';

const ITERATIONS = 2_000_000;

/** The slow part: pure computation, no I/O to hand off anywhere. */
function stretch(): string {
  const contents = readFileSync(new URL('./sample.txt', import.meta.url));
  return pbkdf2Sync(contents, 'sync-async', ITERATIONS, 32, 'sha256').toString('hex');
}

if (isMainThread) {
  const ticker = setInterval(() => {
    say('main thread: tick (the loop is free)');
  }, 50);
  const done = (key: string) => {
    say(`result: ${key.slice(0, 16)}…`);
    clearInterval(ticker);
  };
  say(`main thread: hashing the file with ${ITERATIONS} PBKDF2 rounds`);
  if (process.argv.includes('--inline')) {
    // Even wrapped in a promise or an async function, this runs on the main thread.
    setTimeout(() => {
      done(stretch());
    }, 120);
  } else {
    // `new Worker(new URL(import.meta.url))` in plain JavaScript; startWorker also loads
    // TypeScript in the worker when running from source.
    const worker = startWorker(import.meta.url);
    worker.once('message', (key: string) => {
      done(key);
      void worker.terminate();
    });
    say('main thread: worker started, carrying on');
  }
} else {
  parentPort?.postMessage(stretch());
}

/**
 * Ways to read a whole file in Node, from the one that stops everything to the ones that hand
 * the work elsewhere. The Sync vs Async chapter measures each of them (demos/sync-async).
 *
 * What happens underneath on Linux (libuv):
 * - `readFileSync` makes the read system calls on the JavaScript thread itself. Nothing else
 *   runs until the last byte is in: no timers, no sockets, no other request.
 * - `readFile`, `fs.promises.readFile` and read streams submit each read to libuv, which runs it
 *   on its thread pool (UV_THREADPOOL_SIZE threads, default 4) or, when the process starts with
 *   UV_USE_IO_URING=1, through io_uring. The loop only wakes up when a chunk is done. Files have
 *   no readiness to wait for, so epoll (which libuv uses for sockets) cannot help with them.
 * - A worker thread has an event loop of its own: it may read synchronously, and only the
 *   finished buffer crosses back (transferred, not copied).
 */
import { readFile, readFileSync, createReadStream, promises as fsp } from 'node:fs';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { FileReadReply, FileReadRequest } from './file-read-worker.js';
import { startWorker } from './start-worker.js';
import { siblingModule } from './worker-task.js';

export interface ReadResult {
  bytes: number;
  /** The whole file, for strategies that load it into memory; streams keep no chunk. */
  content?: Buffer;
}

export interface ReadStrategy {
  readonly name: string;
  /** Who waits for the disk while the read runs. */
  readonly where: string;
  /** Reads all of `path`. */
  read(path: string): Promise<ReadResult>;
  /** Gets ready (starts a thread) so that `read` measures reading, not start-up. */
  prepare?(): Promise<void>;
  close?(): Promise<void>;
}

/** Where the async strategies' reads run, unless libuv uses io_uring instead. */
export const LIBUV_POOL = 'libuv thread pool';

/** Node's default highWaterMark for fs read streams. */
export const DEFAULT_STREAM_CHUNK = 64 * 1024;

/** Blocks the event loop until the whole file is read. */
export const readFileSyncStrategy: ReadStrategy = {
  name: 'readFileSync',
  where: 'event loop (blocked)',
  read(path) {
    const content = readFileSync(path);
    return Promise.resolve({ bytes: content.length, content });
  },
};

/** The callback API: reads in 512 KiB steps on the thread pool, one callback at the end. */
export const readFileCallbackStrategy: ReadStrategy = {
  name: 'readFile (callback)',
  where: LIBUV_POOL,
  read(path) {
    return new Promise((resolve, reject) => {
      readFile(path, (error, content) => {
        if (error) reject(error);
        else resolve({ bytes: content.length, content });
      });
    });
  },
};

/** The promise API: the same thread-pool reads, resolved as a promise. */
export const readFilePromiseStrategy: ReadStrategy = {
  name: 'fs.promises.readFile',
  where: LIBUV_POOL,
  async read(path) {
    const content = await fsp.readFile(path);
    return { bytes: content.length, content };
  },
};

/**
 * A read stream hands out one chunk at a time and keeps none: memory stays flat whatever the
 * file size, and each chunk is a separate thread-pool read.
 */
export function streamStrategy(chunkBytes = DEFAULT_STREAM_CHUNK): ReadStrategy {
  const label = chunkBytes === DEFAULT_STREAM_CHUNK ? 'default' : '';
  return {
    name: `stream ${formatChunk(chunkBytes)}${label ? ` (${label})` : ''}`,
    where: LIBUV_POOL,
    async read(path) {
      let bytes = 0;
      for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes })) {
        bytes += (chunk as Buffer).length;
      }
      return { bytes };
    },
  };
}

/** Reads in a worker thread that stays up between reads (like a pool), so start-up is paid once. */
export function workerThreadStrategy(): ReadStrategy {
  let worker: Worker | undefined;
  const start = async (): Promise<Worker> => {
    const started = startWorker(siblingModule(import.meta.url, 'file-read-worker'));
    await once(started, 'message'); // the worker says it is listening
    worker = started;
    return started;
  };
  return {
    name: 'worker thread',
    where: 'worker thread (sync read there)',
    async prepare() {
      await (worker ?? start());
    },
    async read(path) {
      const thread = worker ?? (await start());
      const replied = once(thread, 'message') as Promise<[FileReadReply]>;
      thread.postMessage({ path } satisfies FileReadRequest);
      const [reply] = await replied;
      if (!reply.ok) throw new Error(reply.message);
      const content = Buffer.from(reply.content);
      return { bytes: content.length, content };
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  };
}

/** The strategies that hand reads to libuv (and so to io_uring when it is enabled). */
export function asyncReadStrategies(chunkBytes: number): ReadStrategy[] {
  return [
    readFileCallbackStrategy,
    readFilePromiseStrategy,
    streamStrategy(chunkBytes),
    streamStrategy(DEFAULT_STREAM_CHUNK),
  ];
}

/** Every strategy the chapter compares; `chunkBytes` is the tuned stream's chunk size. */
export function allReadStrategies(chunkBytes: number): ReadStrategy[] {
  return [readFileSyncStrategy, ...asyncReadStrategies(chunkBytes), workerThreadStrategy()];
}

function formatChunk(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;
}

/**
 * The worker-thread side of the `worker thread` read strategy. A synchronous read is fine here:
 * it blocks this thread's own event loop, not the main one. The buffer is transferred back
 * (ownership moves, no copy).
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export interface FileReadRequest {
  path: string;
}

export type FileReadReply = { ok: true; content: ArrayBuffer } | { ok: false; message: string };

/** Posted once when the worker is ready for requests. */
const READY = 'ready';

parentPort?.on('message', ({ path }: FileReadRequest) => {
  let reply: FileReadReply;
  try {
    const buffer = readFileSync(path);
    // Small files come from Node's shared buffer pool, which must not be transferred: copy those.
    const owned =
      buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength
        ? buffer.buffer
        : buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    reply = { ok: true, content: owned };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply, reply.ok ? [reply.content] : []);
});

parentPort?.postMessage(READY);

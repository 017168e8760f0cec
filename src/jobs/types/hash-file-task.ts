/**
 * Worker-thread task: SHA-256 of a file inside the data directory, read in 1 MiB chunks into
 * one reused buffer, with progress by bytes. Hashing costs about 1 ms of CPU per MiB, which on
 * the event loop added up to a saturated loop with several jobs at once (see
 * docs/architecture.md), so it runs here. The reads are synchronous: they block only this
 * thread, and leave libuv's small thread pool to the main loop.
 */
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { workerTask } from '../../execution/worker-task.js';
import { openConfined } from '../data-dir-path.js';

const CHUNK_BYTES = 1024 * 1024;

export interface HashFileTaskInput {
  /** Real absolute path of the data directory (from the server's options, never a client). */
  dataDir: string;
  /** The client's path, relative to dataDir; confinement is checked again on open. */
  path: string;
}

export default workerTask(async ({ dataDir, path }: HashFileTaskInput, ctx) => {
  const { handle, size } = await openConfined(dataDir, path);
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let bytes = 0;
  let reported = 0;
  try {
    for (;;) {
      const read = readSync(handle.fd, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      bytes += read;
      const percent = size === 0 ? 100 : Math.floor((bytes * 100) / size);
      if (percent > reported && percent < 100) {
        reported = percent;
        ctx.progress(percent, { bytes, totalBytes: size });
      }
    }
  } finally {
    await handle.close();
  }
  return { path, bytes, sha256: hash.digest('hex') };
});

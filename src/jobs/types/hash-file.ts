/**
 * SHA-256 of a file inside the data directory, streamed in 1 MiB chunks with progress by bytes
 * read. I/O-bound: reads go to libuv's thread pool and each chunk's hashing is short, so it
 * runs on the event loop without holding it.
 */
import { createHash } from 'node:crypto';
import Type from 'typebox';
import { confinePath, openConfined } from '../data-dir-path.js';
import { defineJobType, type AnyJobType } from '../job-type.js';

const CHUNK_BYTES = 1024 * 1024;

const HashFileInput = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'File path relative to the data directory (--data-dir).',
    }),
  },
  { additionalProperties: false },
);

/** `dataDir` must be a real (symlink-free) absolute path. */
export function hashFileJobType(dataDir: string): AnyJobType {
  return defineJobType({
    name: 'hash-file',
    description: 'SHA-256 of a file inside the data directory, with progress by bytes read.',
    execution: 'io',
    input: HashFileInput,
    timeoutMs: 30 * 60_000,
    async check(input) {
      await confinePath(dataDir, input.path);
    },
    async handler(input, ctx) {
      const { handle, size } = await openConfined(dataDir, input.path);
      const hash = createHash('sha256');
      let bytes = 0;
      let reported = 0;
      try {
        const stream = handle.createReadStream({ highWaterMark: CHUNK_BYTES, autoClose: false });
        for await (const chunk of stream.iterator({ destroyOnReturn: true })) {
          ctx.signal.throwIfAborted();
          const buffer = chunk as Buffer;
          hash.update(buffer);
          bytes += buffer.length;
          const percent = size === 0 ? 100 : Math.floor((bytes * 100) / size);
          if (percent > reported && percent < 100) {
            reported = percent;
            void ctx.progress(percent, { bytes, totalBytes: size });
          }
        }
      } finally {
        await handle.close();
      }
      return { path: input.path, bytes, sha256: hash.digest('hex') };
    },
  });
}

/**
 * SHA-256 of a file inside the data directory, with progress by bytes read. The path is checked
 * at submit time on the loop; the reading and hashing run in the worker pool
 * (hash-file-task.ts), because hashing is CPU work: about 1 ms per MiB.
 */
import Type from 'typebox';
import { siblingModule } from '../../execution/worker-task.js';
import { confinePath } from '../data-dir-path.js';
import { defineJobType, type AnyJobType } from '../job-type.js';
import type { HashFileTaskInput } from './hash-file-task.js';

const HASH_TASK = { module: siblingModule(import.meta.url, 'hash-file-task') };

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
      const task: HashFileTaskInput = { dataDir, path: input.path };
      return ctx.runInWorker(HASH_TASK, task);
    },
  });
}

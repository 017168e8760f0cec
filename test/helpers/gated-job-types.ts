/**
 * Job types for per-type concurrency tests: `gated` (limited to `concurrency`) runs until the
 * test opens its gate and records how many ran at once; `free` has no limit and ends at once.
 * The handlers run on the event loop, so every runner in the test process shares the gates.
 */
import Type from 'typebox';
import { defineJobType } from '../../src/jobs/job-type.js';

export function gatedJobTypes(concurrency = 1) {
  const gates = new Map<number, () => void>();
  const seen = { running: 0, most: 0 };
  const gated = defineJobType({
    name: 'gated',
    description: 'test: runs until the test opens its gate',
    execution: 'io',
    input: Type.Object({ n: Type.Integer() }),
    timeoutMs: 30_000,
    concurrency,
    async handler(input) {
      seen.running++;
      seen.most = Math.max(seen.most, seen.running);
      await new Promise<void>((resolve) => gates.set(input.n, resolve));
      seen.running--;
      return input.n;
    },
  });
  const free = defineJobType({
    name: 'free',
    description: 'test: done at once',
    execution: 'io',
    input: Type.Object({}),
    timeoutMs: 30_000,
    handler: () => Promise.resolve('done'),
  });
  return { gated, free, gates, seen };
}

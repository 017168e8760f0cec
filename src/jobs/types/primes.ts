/** Counts primes below n: CPU-bound, so it runs in the worker pool (see primes-task.ts). */
import Type from 'typebox';
import { siblingModule } from '../../execution/worker-task.js';
import { defineJobType } from '../job-type.js';

export const PRIMES_MAX_N = 1_000_000_000;

const PrimesInput = Type.Object(
  {
    n: Type.Integer({
      minimum: 2,
      maximum: PRIMES_MAX_N,
      description: 'Count the primes below this number.',
    }),
  },
  { additionalProperties: false },
);

export const primesJobType = defineJobType({
  name: 'primes',
  description: 'Counts the primes below n in a worker thread (CPU-bound).',
  execution: 'cpu',
  input: PrimesInput,
  timeoutMs: 5 * 60_000,
  task: { module: siblingModule(import.meta.url, 'primes-task') },
});

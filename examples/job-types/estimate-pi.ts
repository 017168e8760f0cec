/**
 * A CPU job: estimates π by sampling random points in a square (Monte Carlo). A billion samples
 * take seconds of pure computation, which on the event loop would freeze every other request;
 * `execution: 'cpu'` runs it in the worker pool instead, so the loop only waits for it. The
 * computation lives in its own module (estimate-pi-task.ts), which only the worker threads load.
 */
import { defineJobType, siblingModule, Type } from 'backend-patterns';

export const estimatePi = defineJobType({
  name: 'estimate-pi',
  description: 'Estimates π from random samples in a worker thread (CPU-bound).',
  execution: 'cpu',
  input: Type.Object(
    {
      samples: Type.Integer({ minimum: 1000, maximum: 1_000_000_000 }),
      seed: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, default: 1 }),
    },
    { additionalProperties: false },
  ),
  timeoutMs: 10 * 60_000,
  // estimate-pi-task.ts from source (tsx), estimate-pi-task.js once built.
  task: { module: siblingModule(import.meta.url, 'estimate-pi-task') },
});

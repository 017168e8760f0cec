/**
 * The overview's job: progress +10% every `stepMs` until 100%, then `succeeded`.
 * I/O-shaped (it only waits), so it runs on the event loop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import { defineJobType } from '../job-type.js';

export const DEMO_STEPS = 10;

const DemoInput = Type.Object(
  {
    stepMs: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 60_000,
        default: 3000,
        description: 'Milliseconds between 10% steps.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const demoJobType = defineJobType({
  name: 'demo',
  description: 'Advances 10% every stepMs (default 3 s) until done, like the short-polling demo.',
  execution: 'io',
  input: DemoInput,
  timeoutMs: 15 * 60_000,
  async handler(input, ctx) {
    const stepMs = input.stepMs ?? 3000;
    for (let step = 1; step < DEMO_STEPS; step++) {
      await sleep(stepMs, undefined, { signal: ctx.signal });
      void ctx.progress((step * 100) / DEMO_STEPS);
    }
    // The last step's completion is the `succeeded` event itself, which sets progress to 100.
    await sleep(stepMs, undefined, { signal: ctx.signal });
    return { steps: DEMO_STEPS, stepMs };
  },
});

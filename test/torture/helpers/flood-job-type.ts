/**
 * `flood`: a handler that reports progress `ratePerSecond` times a second for `durationMs`
 * without awaiting it (ticks of 10 ms), then returns when it returned (ms since the epoch).
 * With `awaited`, it awaits each report instead, as fast as they are recorded, for
 * `durationMs`: the job's write rate itself.
 * With `gated`, it waits for `openFloodGate()` first, so clients can subscribe to a job that
 * exists but has not started flooding. In-process servers only (the gate is module state).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import { defineJobType } from '../../../src/jobs/job-type.js';

let openGate: () => void = () => undefined;
let gate = Promise.resolve();

/** The next gated flood waits until `openFloodGate()`. */
export function closeFloodGate(): void {
  gate = new Promise((resolve) => (openGate = resolve));
}

export function openFloodGate(): void {
  openGate();
}

export const floodJobType = defineJobType({
  name: 'flood',
  description: 'test: reports progress ratePerSecond times a second, not awaited',
  execution: 'io',
  input: Type.Object({
    ratePerSecond: Type.Integer({ minimum: 1 }),
    durationMs: Type.Integer({ minimum: 1 }),
    gated: Type.Optional(Type.Boolean()),
    awaited: Type.Optional(Type.Boolean()),
  }),
  timeoutMs: 10 * 60_000,
  async handler(input, ctx) {
    if (input.gated) await gate;
    const started = Date.now();
    if (input.awaited) {
      let n = 0;
      while (Date.now() - started < input.durationMs) await ctx.progress(++n % 100);
      return { reported: n, startedAt: started, returnedAt: Date.now() };
    }
    const perTick = Math.max(1, Math.round(input.ratePerSecond / 100));
    let reported = 0;
    const ticks = Math.ceil(input.durationMs / 10);
    for (let tick = 0; tick < ticks; tick++) {
      for (let i = 0; i < perTick; i++) {
        reported++;
        void ctx.progress(reported % 100, { i: reported });
      }
      await sleep(10, undefined, { signal: ctx.signal });
    }
    return { reported, startedAt: started, returnedAt: Date.now() };
  },
});

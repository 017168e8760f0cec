/**
 * `ticker`: a job that records `events` progress events, `intervalMs` apart, each carrying its
 * number `i` and `pad` bytes of padding, then succeeds with `resultPad` bytes of result. It
 * makes a busy, long or heavy event log on demand, in-process or in a spawned server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import { defineJobType } from '../../../src/jobs/job-type.js';

export interface TickerInput {
  events: number;
  intervalMs?: number;
  pad?: number;
  resultPad?: number;
}

export const tickerJobType = defineJobType({
  name: 'ticker',
  description: 'test: records `events` progress events, `intervalMs` apart',
  execution: 'io',
  input: Type.Object(
    {
      events: Type.Integer({ minimum: 1, maximum: 100_000 }),
      intervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
      pad: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_536 })),
      resultPad: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_048_576 })),
    },
    { additionalProperties: false },
  ),
  timeoutMs: 10 * 60_000,
  async handler(input, ctx) {
    const pad = 'x'.repeat(input.pad ?? 0);
    for (let i = 1; i <= input.events; i++) {
      await sleep(input.intervalMs ?? 0, undefined, { signal: ctx.signal });
      await ctx.progress(Math.floor((i * 100) / input.events), pad ? { i, pad } : { i });
    }
    return { events: input.events, pad: 'r'.repeat(input.resultPad ?? 0) };
  },
});

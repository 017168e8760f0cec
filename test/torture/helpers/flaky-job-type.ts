/**
 * `flaky`: a job that appends its id and attempt to the file `log` as it starts (one line per
 * run, written before anything else, so a run the server is killed in is counted too), waits
 * `stepMs`, then fails retryably on its first `failRuns` attempts and succeeds after. Loaded
 * into a spawned server with `--job-types` (case 21).
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import { defineJobType } from '../../../src/jobs/job-type.js';
import { JobFailure } from '../../../src/model/errors/job-failure.js';

export const flakyJobType = defineJobType({
  name: 'flaky',
  description: 'test: logs each run to a file, fails its first failRuns attempts',
  execution: 'io',
  input: Type.Object(
    {
      log: Type.String({ minLength: 1 }),
      failRuns: Type.Integer({ minimum: 0, maximum: 100 }),
      stepMs: Type.Integer({ minimum: 0, maximum: 10_000 }),
    },
    { additionalProperties: false },
  ),
  timeoutMs: 60_000,
  async handler(input, ctx) {
    appendFileSync(input.log, `${ctx.jobId} ${String(ctx.attempt)}\n`);
    await sleep(input.stepMs, undefined, { signal: ctx.signal });
    if (ctx.attempt <= input.failRuns) {
      throw new JobFailure('flaky', `failing run ${String(ctx.attempt)} on purpose`);
    }
    return { attempt: ctx.attempt };
  },
});

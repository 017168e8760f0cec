/** Job types that exist only in tests, to drive the runner through its edge cases. */
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import { siblingModule } from '../../src/execution/worker-task.js';
import { JobFailure } from '../../src/model/errors/job-failure.js';
import { defineJobType } from '../../src/jobs/job-type.js';

/** Waits `ms` (honouring abort unless `ignoreAbort`), reporting progress halfway. */
export const sleeperJobType = defineJobType({
  name: 'sleeper',
  description: 'test: sleeps',
  execution: 'io',
  input: Type.Object({
    ms: Type.Integer({ minimum: 0 }),
    ignoreAbort: Type.Optional(Type.Boolean()),
  }),
  timeoutMs: 60_000,
  async handler(input, ctx) {
    const signal = input.ignoreAbort ? undefined : ctx.signal;
    await sleep(input.ms / 2, undefined, { signal });
    await ctx.progress(50);
    await sleep(input.ms / 2, undefined, { signal });
    return { slept: input.ms };
  },
});

/** Like sleeper but with a 100 ms timeout. */
export const slowJobType = defineJobType({
  ...sleeperJobType,
  name: 'slow',
  description: 'test: times out after 100 ms',
  timeoutMs: 100,
});

/** Fails with a safe message, or throws an error whose message must not reach clients. */
export const failingJobType = defineJobType({
  name: 'failing',
  description: 'test: fails',
  execution: 'io',
  input: Type.Object({ safe: Type.Boolean() }),
  timeoutMs: 10_000,
  async handler(input) {
    await Promise.resolve();
    if (input.safe) throw new JobFailure('file_not_found', 'no file "x"');
    throw new Error('secret internal detail at /srv/secret/path');
  },
});

/** A CPU task whose worker thread exits abnormally. */
export const crashingCpuJobType = defineJobType({
  name: 'crash',
  description: 'test: the worker thread dies',
  execution: 'cpu',
  input: Type.Object({}),
  timeoutMs: 10_000,
  task: { module: siblingModule(import.meta.url, 'crash-task') },
});

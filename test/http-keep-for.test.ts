/**
 * Per-job retention over HTTP (issue 16, item 6) through app.inject: `keepFor` on submit as a
 * duration or ms, a job type's default, the clamp to --max-keep-for (never below
 * --retention), and 400 naming the field for what is no duration or out of bounds.
 */
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defineJobType } from '../src/jobs/job-type.js';
import { JobTypeRegistry } from '../src/jobs/registry.js';
import type { Job } from '../src/model/job.js';
import type { JobTypeDescription } from '../src/model/job-type-description.js';
import { checkedInject } from './helpers/contract/checked-inject.js';
import { startTestServer } from './helpers/test-server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A type whose jobs are kept two days unless the submit says otherwise. */
const auditJobType = defineJobType({
  name: 'audit',
  description: 'test: a job kept longer than most',
  execution: 'io',
  input: Type.Object({}),
  timeoutMs: 1000,
  keepFor: '2d',
  handler: () => Promise.resolve('ok'),
});

async function app(options: Parameters<typeof startTestServer>[0] = {}) {
  const { server } = await startTestServer({ runJobs: false, ...options }, [auditJobType]);
  // Every answer is also checked against the OpenAPI document (keepFor in Job, JobType).
  return { inject: checkedInject(server.app) };
}

describe('POST /jobs keepFor', () => {
  it('takes a duration or ms, shows it in the snapshot, and leaves other jobs without', async () => {
    const a = await app();
    const submit = (payload: object) => a.inject({ method: 'POST', url: '/jobs', payload });
    const hour = await submit({ type: 'demo', input: { stepMs: 10 }, keepFor: '1h' });
    expect(hour.statusCode).toBe(202);
    const job = hour.json<Job>();
    expect(job.keepFor).toBe(HOUR);
    const read = await a.inject({ method: 'GET', url: `/jobs/${job.id}` });
    expect(read.json<Job>().keepFor).toBe(HOUR);
    const ms = await submit({ type: 'demo', input: { stepMs: 10 }, keepFor: 90_000 });
    expect(ms.json<Job>().keepFor).toBe(90_000);
    const plain = await submit({ type: 'demo', input: { stepMs: 10 } });
    expect(plain.json<Job>().keepFor).toBeUndefined();
  });

  it("uses the job type's keepFor unless the submit names one, and lists it", async () => {
    const a = await app();
    const submit = (payload: object) => a.inject({ method: 'POST', url: '/jobs', payload });
    expect((await submit({ type: 'audit' })).json<Job>().keepFor).toBe(2 * DAY);
    expect((await submit({ type: 'audit', keepFor: '5m' })).json<Job>().keepFor).toBe(300_000);
    const types = (await a.inject({ method: 'GET', url: '/job-types' })).json<
      JobTypeDescription[]
    >();
    const byName = new Map(types.map((t) => [t.name, t]));
    expect(byName.get('audit')?.keepFor).toBe(2 * DAY);
    expect(byName.get('demo')?.keepFor).toBeUndefined();
  });

  it('refuses to register a job type whose keepFor is no duration', () => {
    const forever = { ...auditJobType, keepFor: 'forever' };
    expect(() => new JobTypeRegistry([forever])).toThrow(/keepFor must be a duration/);
  });

  it('clamps keepFor to --max-keep-for, and never below --retention', async () => {
    const capped = await app({ retention: HOUR, maxKeepFor: 2 * HOUR });
    const long = await capped.inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'demo', keepFor: '7d' },
    });
    expect(long.json<Job>().keepFor).toBe(2 * HOUR);
    // A type default is clamped the same way.
    const audit = await capped.inject({ method: 'POST', url: '/jobs', payload: { type: 'audit' } });
    expect(audit.json<Job>().keepFor).toBe(2 * HOUR);
    const shorter = await capped.inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'demo', keepFor: '10s' },
    });
    expect(shorter.json<Job>().keepFor).toBe(10_000);
    // A cap below the retention: a job may still keep itself as long as every job is kept.
    const retained = await app({ retention: 3 * HOUR, maxKeepFor: HOUR });
    const response = await retained.inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'demo', keepFor: '7d' },
    });
    expect(response.json<Job>().keepFor).toBe(3 * HOUR);
  });

  it.each([
    ['text that is no duration', 'a fortnight'],
    ['an unknown unit', '3w'],
    ['less than a second', 500],
    ['less than a second as text', '999ms'],
    ['more than 366 days', '367d'],
  ])('refuses %s with 400 invalid_request naming keepFor', async (_name, keepFor) => {
    const a = await app();
    const response = await a.inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'demo', keepFor },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'invalid_request',
      errors: [{ field: 'keepFor' }],
    });
  });
});

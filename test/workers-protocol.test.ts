/**
 * The worker protocol over HTTP (docs/workers.md, src/http/routes/workers.ts): external job
 * types are submitted and validated like built-in ones; a worker claims (long-polled), reports
 * progress that renews its lease, completes or fails; cancel and lost leases answer 409 with
 * stable codes; only worker keys get in. Through app.inject: HTTP is the interface here, not the
 * network (the Python example's test runs a real worker over real sockets).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defineJobType } from '../src/jobs/job-type.js';
import type { Job } from '../src/model/job.js';
import { checkedInject } from './helpers/contract/checked-inject.js';
import { startInjectedServer } from './helpers/test-server.js';
import { tempDir } from './helpers/temp-dir.js';

const TRANSCODE = defineJobType({
  name: 'transcode',
  description: 'Transcodes a video (run by an external worker)',
  execution: 'external',
  timeoutMs: 600_000,
  input: Type.Object({ url: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
});

const WORKER_KEY = 'worker-secret-0123456789';
const USER_KEY = 'alice-secret-0123456789';

interface Claimed {
  job: Job;
  lease: { token: string; expiresAt: string; durationMs: number };
  timeoutMs: number;
}

async function serverWith(options: Parameters<typeof startInjectedServer>[0] = {}) {
  const { server } = await startInjectedServer(options, [TRANSCODE]);
  const app = { inject: checkedInject(server.app) };
  const auth = (key?: string) => (key ? { authorization: `Bearer ${key}` } : {});
  return {
    inject: app.inject,
    server,
    submit: async (input: unknown = { url: 'file:///a.mp4' }, key?: string) => {
      const reply = await app.inject({
        method: 'POST',
        url: '/jobs',
        headers: auth(key),
        payload: { type: 'transcode', input },
      });
      return { status: reply.statusCode, body: reply.json<Job & { code?: string }>() };
    },
    claim: async (body: unknown = { types: ['transcode'] }, key?: string) => {
      const reply = await app.inject({
        method: 'POST',
        url: '/workers/claim',
        headers: auth(key),
        payload: body as object,
      });
      return {
        status: reply.statusCode,
        body: reply.body ? reply.json<Claimed & { code?: string }>() : undefined,
      };
    },
    call: async (id: string, action: string, body: unknown, key?: string) => {
      const reply = await app.inject({
        method: 'POST',
        url: `/workers/jobs/${id}/${action}`,
        headers: auth(key),
        payload: body as object,
      });
      return { status: reply.statusCode, body: reply.json<Record<string, unknown>>() };
    },
    cancel: (id: string) => app.inject({ method: 'DELETE', url: `/jobs/${id}` }),
    get: async (id: string) =>
      (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json<Job>(),
  };
}

describe('worker protocol', () => {
  it('validates an external job like a built-in one and lists its type as external', async () => {
    const s = await serverWith();
    const bad = await s.submit({ url: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_input');
    const types = (await s.inject({ url: '/job-types' })).json<
      { name: string; execution: string }[]
    >();
    expect(types.find((t) => t.name === 'transcode')?.execution).toBe('external');
  });

  it('claims, reports progress that renews the lease, and completes', async () => {
    const s = await serverWith();
    expect((await s.claim()).status).toBe(204); // nothing queued, no wait
    const { body: job } = await s.submit();
    const claimed = await s.claim();
    expect(claimed.status).toBe(200);
    const { lease } = claimed.body as Claimed;
    expect(claimed.body).toMatchObject({
      job: { id: job.id, status: 'running', attempt: 1, input: { url: 'file:///a.mp4' } },
      timeoutMs: 600_000,
    });
    expect(lease.durationMs).toBe(30_000);
    // The in-process runner never took it.
    expect(s.server.runner?.activeCount).toBe(0);
    const progress = await s.call(job.id, 'progress', {
      token: lease.token,
      progress: 40,
      data: { frame: 400 },
    });
    expect(progress.status).toBe(200);
    expect(progress.body).toMatchObject({ job: { progress: 40 }, lease: { token: lease.token } });
    expect(
      Date.parse((progress.body.lease as { expiresAt: string }).expiresAt),
    ).toBeGreaterThanOrEqual(Date.parse(lease.expiresAt));
    const renewal = await s.call(job.id, 'progress', { token: lease.token });
    expect(renewal.status).toBe(200);
    const done = await s.call(job.id, 'complete', { token: lease.token, result: { bytes: 1234 } });
    expect(done.status).toBe(200);
    expect(await s.get(job.id)).toMatchObject({
      status: 'succeeded',
      progress: 100,
      result: { bytes: 1234 },
    });
    // A second completion with the released lease is refused, never applied.
    const again = await s.call(job.id, 'complete', { token: lease.token, result: 'twice' });
    expect([again.status, again.body.code]).toEqual([409, 'lease_lost']);
    expect((await s.get(job.id)).result).toEqual({ bytes: 1234 });
  });

  it('fails with a code and message, and refuses a token that does not hold the job', async () => {
    const s = await serverWith();
    const { body: job } = await s.submit();
    const { lease } = (await s.claim()).body as Claimed;
    const forged = await s.call(job.id, 'fail', {
      token: 'not-the-token',
      code: 'x',
      message: 'm',
    });
    expect([forged.status, forged.body.code]).toEqual([409, 'lease_lost']);
    const badCode = await s.call(job.id, 'fail', {
      token: lease.token,
      code: 'Not A Code',
      message: 'm',
    });
    expect([badCode.status, badCode.body.code]).toEqual([400, 'invalid_request']);
    const failed = await s.call(job.id, 'fail', {
      token: lease.token,
      code: 'bad_codec',
      message: 'no such codec',
      retryable: false,
    });
    expect(failed.status).toBe(200);
    expect(await s.get(job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'bad_codec', message: 'no such codec' },
    });
  });

  it('tells the worker of a cancel in the answer to its next progress report', async () => {
    const s = await serverWith();
    const { body: job } = await s.submit();
    const { lease } = (await s.claim()).body as Claimed;
    expect((await s.cancel(job.id)).statusCode).toBe(200);
    const told = await s.call(job.id, 'progress', { token: lease.token, progress: 90 });
    expect([told.status, told.body.code]).toEqual([409, 'job_canceled']);
    const late = await s.call(job.id, 'complete', { token: lease.token, result: 1 });
    expect([late.status, late.body.code]).toEqual([409, 'job_canceled']);
    expect(await s.get(job.id)).toMatchObject({ status: 'canceled', progress: 0 });
  });

  it('refuses types it may not claim with stable codes', async () => {
    const s = await serverWith();
    const unknown = await s.claim({ types: ['nope'] });
    expect([unknown.status, unknown.body?.code]).toEqual([400, 'unknown_job_type']);
    const inProcess = await s.claim({ types: ['demo'] });
    expect([inProcess.status, inProcess.body?.code]).toEqual([400, 'not_external_type']);
    expect(inProcess.body).toMatchObject({ externalTypes: ['transcode'] });
    const empty = await s.claim({ types: [] });
    expect([empty.status, empty.body?.code]).toEqual([400, 'invalid_request']);
  });

  it('holds a claim until a job of its types is queued (woken by the event, not a timer)', async () => {
    const s = await serverWith();
    const waiting = s.claim({ types: ['transcode'], wait: 30 });
    await expect.poll(() => s.server.engine.workers.waitingCount).toBe(1);
    const started = Date.now();
    // A job of another type does not end the wait.
    await s.inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'demo', input: { steps: 1, stepMs: 1 } },
    });
    const { body: job } = await s.submit();
    const claimed = await waiting;
    expect(claimed.status).toBe(200);
    expect(claimed.body?.job.id).toBe(job.id);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(s.server.engine.workers.waitingCount).toBe(0);
  });

  it('answers a waiting claim with 204 at shutdown', async () => {
    const s = await serverWith();
    const waiting = s.claim({ types: ['transcode'], wait: 60 });
    await expect.poll(() => s.server.engine.workers.waitingCount).toBe(1);
    await s.server.close();
    expect((await waiting).status).toBe(204);
  });

  it('takes only worker keys on worker routes, and worker keys nowhere else', async () => {
    const s = await serverWith({
      apiKeys: `alice:${USER_KEY}`,
      workerKeys: `encoder:${WORKER_KEY}`,
    });
    const { body: job } = await s.submit(undefined, USER_KEY);
    const asUser = await s.claim(undefined, USER_KEY);
    expect([asUser.status, asUser.body?.code]).toEqual([401, 'unauthorized']);
    expect((await s.claim()).status).toBe(401);
    const submitAsWorker = await s.submit(undefined, WORKER_KEY);
    expect(submitAsWorker.status).toBe(401);
    const claimed = await s.claim(undefined, WORKER_KEY);
    expect(claimed.body?.job.id).toBe(job.id);
  });

  it('refuses every worker when API keys are on but no worker keys are configured', async () => {
    const s = await serverWith({ apiKeys: `alice:${USER_KEY}` });
    const refused = await s.claim(undefined, USER_KEY);
    expect(refused.status).toBe(401);
  });

  it('loads external job types from a JSON file, and names the file when it is wrong', async () => {
    const dir = tempDir();
    const file = join(dir, 'types.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          name: 'resize',
          description: 'Resize an image',
          input: {
            type: 'object',
            properties: { width: { type: 'integer', minimum: 1 } },
            required: ['width'],
          },
          concurrency: 1,
        },
      ]),
    );
    const { server } = await startInjectedServer({ externalJobTypes: file });
    const inject = checkedInject(server.app);
    const bad = await inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'resize', input: { width: 0 } },
    });
    expect(bad.json<{ code: string }>().code).toBe('invalid_input');
    const ok = await inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'resize', input: { width: 64 } },
    });
    expect(ok.statusCode).toBe(202);
    const claimed = await inject({
      method: 'POST',
      url: '/workers/claim',
      payload: { types: ['resize'] },
    });
    expect(claimed.json<Claimed>().timeoutMs).toBe(3_600_000);
    // Its concurrency of 1 holds for lease claims: a second job waits while the first runs.
    await inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'resize', input: { width: 8 } },
    });
    const full = await inject({
      method: 'POST',
      url: '/workers/claim',
      payload: { types: ['resize'] },
    });
    expect(full.statusCode).toBe(204);

    writeFileSync(file, JSON.stringify([{ name: 'slow', input: {}, concurrency: 0 }]));
    await expect(startInjectedServer({ externalJobTypes: file })).rejects.toThrow(
      /entry \[0\]: job type "slow": concurrency must be a whole number/,
    );
    writeFileSync(file, JSON.stringify([{ name: 'has space', input: {} }]));
    await expect(startInjectedServer({ externalJobTypes: file })).rejects.toThrow(
      /--external-job-types \(EXTERNAL_JOB_TYPES\) .*types\.json: entry \[0\]: job type "has space": name must be/,
    );
  });
});

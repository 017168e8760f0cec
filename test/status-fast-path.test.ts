/**
 * The status fast path (src/http/status-fast-path.ts) answers `GET /jobs/:id` in front of
 * Fastify: what it sends must be what the Fastify route sends — bytes, headers, 304, auth,
 * owner visibility, metrics. Whether a request took the fast path is visible in how often the
 * engine was asked: a fast answer reads the job once, a request it hands to Fastify twice
 * (its own read, then the route's).
 */
import { describe, expect, it, vi } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { AUDIENCE, ISSUER, SHARED_SECRET, claimsFor, signWithSecret } from './helpers/jwt.js';
import { metricValue } from './helpers/metrics.js';
import { startTestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-0123456789abc';

/** Status, headers without Date, and body: everything but the clock. */
async function answer(response: Response) {
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => name !== 'date'),
  ) as Record<string, string>;
  return { status: response.status, headers, body: await response.text() };
}

describe('status fast path', () => {
  it('answers with the bytes and headers the Fastify route sent, and 304 the same way', async () => {
    const { url, server } = await startTestServer({ pollInterval: 2000 });
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }),
    );
    await waitForJob(server.store, job.id, (j) => j.status === 'running');
    const reads = vi.spyOn(server.engine, 'get');

    const fromFastify = await answer(await fetch(`${url}/jobs/${job.id}`));
    expect(reads).toHaveBeenCalledTimes(2);
    const fast = await answer(await fetch(`${url}/jobs/${job.id}`));
    expect(reads).toHaveBeenCalledTimes(3);
    expect(fast).toEqual(fromFastify);
    expect(fast.headers).toMatchObject({ etag: '"2"', 'retry-after': '2' });

    const notModified = await fetch(`${url}/jobs/${job.id}`, {
      headers: { 'if-none-match': 'W/"1", "2"' },
    });
    expect(reads).toHaveBeenCalledTimes(4);
    const revalidated = await answer(notModified);
    expect(revalidated).toMatchObject({ status: 304, body: '' });
    expect(revalidated.headers['content-length']).toBeUndefined();
    expect(notModified.headers.get('etag')).toBe('"2"');
    expect(notModified.headers.get('retry-after')).toBe('2');

    // A change: the remembered bytes are for seq 2, so Fastify answers seq 3 once, then we do.
    await server.engine.cancel(job.id); // reads the job once itself
    const changed = await answer(await fetch(`${url}/jobs/${job.id}`));
    expect(reads).toHaveBeenCalledTimes(7);
    expect(changed.headers.etag).toBe('"3"');
    expect(JSON.parse(changed.body)).toMatchObject({ status: 'canceled' });
    expect(changed.headers['retry-after']).toBeUndefined();
    expect(await answer(await fetch(`${url}/jobs/${job.id}`))).toEqual(changed);
    expect(reads).toHaveBeenCalledTimes(8);
  });

  it('authenticates as the route does and shows a job only to its owner', async () => {
    const { url, server } = await startTestServer({ apiKeys: `alice:${ALICE},bob:${BOB}` });
    const submitted = await fetch(`${url}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'demo', input: { stepMs: 10 } }),
    });
    const { id } = await json<Job>(submitted);
    await waitForJob(server.store, id, isFinished);
    const get = (headers: Record<string, string>) => fetch(`${url}/jobs/${id}`, { headers });

    const first = await answer(await get({ authorization: `Bearer ${ALICE}` }));
    const reads = vi.spyOn(server.engine, 'get');
    expect(await answer(await get({ authorization: `Bearer ${ALICE}` }))).toEqual(first);
    expect(reads).toHaveBeenCalledTimes(1);

    const anonymous = await get({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await json(anonymous)).toMatchObject({ code: 'unauthorized' });
    const wrongKey = await get({ authorization: 'Bearer not-a-key-0123456789' });
    expect(await json(wrongKey)).toMatchObject({ code: 'unauthorized' });

    const bob = await get({ authorization: `Bearer ${BOB}` });
    expect(bob.status).toBe(404);
    expect(await json(bob)).toMatchObject({ code: 'job_not_found' });
    const bobRevalidates = await get({ authorization: `Bearer ${BOB}`, 'if-none-match': '*' });
    expect(bobRevalidates.status).toBe(404);
  });

  it('leaves a scoped token to the route, which holds it to the jobs its claims list', async () => {
    const { url, server } = await startTestServer({
      jwtSecret: SHARED_SECRET,
      jwtAudience: AUDIENCE,
      jwtIssuer: ISSUER,
    });
    const owner = await signWithSecret(claimsFor('user-1'));
    const submit = async () => {
      const response = await fetch(`${url}/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'demo', input: { stepMs: 10 } }),
      });
      return (await json<Job>(response)).id;
    };
    const [listed, other] = [await submit(), await submit()];
    await waitForJob(server.store, other, isFinished);
    const scoped = await signWithSecret(claimsFor('user-1', Date.now(), { jobs: [listed] }));
    const get = (id: string, token: string) =>
      fetch(`${url}/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } });
    // The unscoped owner's reads are fast answers once Fastify has sent the bytes.
    expect((await get(other, owner)).status).toBe(200);
    expect((await get(other, owner)).status).toBe(200);
    const refused = await get(other, scoped);
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ code: 'insufficient_scope' });
    expect((await get(listed, scoped)).status).toBe(200);
  });

  it('counts its answers in the route metrics', async () => {
    const { url, server } = await startTestServer();
    const { id } = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } }),
    );
    await waitForJob(server.store, id, isFinished);
    const labels = { method: 'GET', route: '/jobs/:id' };
    const etag = (await fetch(`${url}/jobs/${id}`)).headers.get('etag') ?? '';
    for (let k = 0; k < 3; k++) await (await fetch(`${url}/jobs/${id}`)).text();
    await fetch(`${url}/jobs/${id}`, { headers: { 'if-none-match': etag } });
    expect(await metricValue(url, 'http_requests_total', { ...labels, status: '200' })).toBe(4);
    expect(await metricValue(url, 'http_requests_total', { ...labels, status: '304' })).toBe(1);
    expect(await metricValue(url, 'http_request_duration_seconds_count', labels)).toBe(5);
  });

  it('leaves what it does not answer to Fastify: a bad id, HEAD, a query, an unknown job', async () => {
    const { url } = await startTestServer();
    const bad = await fetch(`${url}/jobs/${'x'.repeat(36)}`);
    expect(await json(bad)).toMatchObject({ code: 'invalid_job_id' });
    const missing = await fetch(`${url}/jobs/00000000-0000-4000-8000-000000000000`);
    expect(await json(missing)).toMatchObject({ code: 'job_not_found' });
    const { id } = await json<Job>(await postJson(`${url}/jobs`, { type: 'demo', input: {} }));
    const head = await fetch(`${url}/jobs/${id}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toMatch(/^"\d+"$/);
    const longPoll = await fetch(`${url}/jobs/${id}?after=0&wait=1`);
    expect(longPoll.headers.get('long-poll-outcome')).toBe('immediate');
  });
});

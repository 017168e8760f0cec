/**
 * The fast test tier's transport (helpers/in-process-fetch.ts): an injected answer is the one
 * the network gives (status, headers, body), redirects and bodiless statuses behave as fetch's,
 * and the contract recorder checks injected answers (fetched or from checkedInject) as it checks
 * network ones.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { checkedInject } from './helpers/contract/checked-inject.js';
import { takeViolations, watchServer } from './helpers/contract/recorder.js';
import { forgetInProcessOrigin, registerInProcessOrigin } from './helpers/in-process-fetch.js';
import { postJson } from './helpers/http.js';
import { startTestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

/** Headers that differ between two answers for reasons of time or connection only. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'x-request-id', 'server-timing']);

async function snapshot(response: Response) {
  const headers = [...response.headers].filter(([name]) => !VOLATILE.has(name));
  return { status: response.status, headers, body: await response.text() };
}

describe('in-process fetch', () => {
  it('answers as the network does, for the same server', async () => {
    const { server, url } = await startTestServer();
    const origin = registerInProcessOrigin(server.app);
    watchServer(origin);
    const submitted = await postJson(`${origin}/jobs`, { type: 'demo', input: { stepMs: 10 } });
    expect(submitted.status).toBe(202);
    const location = submitted.headers.get('location');
    expect(location).toMatch(/^\/jobs\//);
    // A finished job, so that both answers describe the same state.
    await waitForJob(server.store, String(location).slice('/jobs/'.length), isFinished);
    const etag = (await fetch(`${origin}${location}`)).headers.get('etag') ?? '';
    const cases: [string, RequestInit?][] = [
      ['/job-types'],
      ['/jobs/no-such-job'],
      ['/openapi.json'],
      ['/jobs?limit=1'],
      ['/job-types', { method: 'HEAD' }],
      ['/jobs', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }],
      [String(location), { headers: { 'if-none-match': etag } }],
    ];
    for (const [path, init] of cases) {
      const overNetwork = await snapshot(await fetch(`${url}${path}`, init));
      const injected = await snapshot(await fetch(`${origin}${path}`, init));
      expect(injected, `${init?.method ?? 'GET'} ${path}`).toEqual(overNetwork);
    }
  });

  it('follows redirects unless told not to, and has no body for 304 and HEAD', async () => {
    const { server } = await startTestServer();
    const origin = registerInProcessOrigin(server.app);
    const followed = await fetch(`${origin}/sse`);
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toMatch(/^text\/html/);
    const manual = await fetch(`${origin}/sse`, { redirect: 'manual' });
    expect(manual.status).toBe(301);
    expect(manual.headers.get('location')).toBe('/sse/');
    const head = await fetch(`${origin}/healthz`, { method: 'HEAD' });
    expect(head.body).toBeNull();
  });

  it('refuses an aborted request as fetch does', async () => {
    const { server } = await startTestServer();
    const origin = registerInProcessOrigin(server.app);
    const aborted = AbortSignal.abort();
    await expect(fetch(`${origin}/healthz`, { signal: aborted })).rejects.toThrow(/abort/i);
  });

  it('has injected answers checked against the OpenAPI document', async () => {
    // A server whose document describes only a 200 from GET /teapot, and which sends a 418.
    const app = Fastify();
    app.get('/openapi.json', async () => ({
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: { '/teapot': { get: { responses: { '200': { description: 'tea' } } } } },
    }));
    app.get('/teapot', async (_request, reply) => reply.code(418).send({ short: 'stout' }));
    const origin = registerInProcessOrigin(app);
    try {
      watchServer(origin);
      expect((await fetch(`${origin}/teapot`)).status).toBe(418);
      expect((await takeViolations()).join('\n')).toMatch(/418/);
      // The same check for tests that call the app itself.
      expect((await checkedInject(app)({ method: 'GET', url: '/teapot' })).statusCode).toBe(418);
      expect((await takeViolations()).join('\n')).toMatch(/418/);
    } finally {
      forgetInProcessOrigin(origin);
      await app.close();
    }
  });
});

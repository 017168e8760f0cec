import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { startInjectedServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>
  >;
  components: { schemas: Record<string, unknown> };
}

describe('OpenAPI document', () => {
  it('describes every public route from the same schemas the routes validate with', async () => {
    const { url } = await startInjectedServer();
    const doc = await json<OpenApi>(await fetch(`${url}/openapi.json`));
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/auth/token',
      '/check-status',
      '/errors/{code}',
      '/events',
      '/healthz',
      '/healthz/live',
      '/healthz/ready',
      '/job-types',
      '/jobs',
      '/jobs/{id}',
      '/jobs/{id}/deliveries',
      '/jobs/{id}/deliveries/{deliveryId}/redeliver',
      '/jobs/{id}/events',
      '/schedules',
      '/schedules/{id}',
      '/schedules/{id}/pause',
      '/schedules/{id}/resume',
      '/stats',
      '/submit',
      '/topics/{topic}/messages',
      '/webhooks',
      '/webhooks/{id}',
      '/webhooks/{id}/rotate-secret',
      '/workers/claim',
      '/workers/jobs/{id}/complete',
      '/workers/jobs/{id}/fail',
      '/workers/jobs/{id}/progress',
      '/ws',
    ]);
    expect(Object.keys(doc.paths['/jobs'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/jobs/{id}'] ?? {}).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.paths['/jobs/{id}']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '304', '400', '404']),
    );
    expect(Object.keys(doc.paths['/webhooks/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
    expect(doc.components.schemas).toHaveProperty('WebhookEndpointWithSecret');
    expect(doc.components.schemas).toHaveProperty('Job');
    expect(doc.components.schemas).toHaveProperty('Problem');
    const submit = doc.paths['/jobs']?.post as { requestBody?: unknown } | undefined;
    expect(JSON.stringify(submit?.requestBody)).toContain('webhook');
  });
});

describe('/metrics', () => {
  it('exports request counts, job states, job events and event-loop delay', async () => {
    const { url, server } = await startInjectedServer();
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } }),
    );
    await waitForJob(server.store, job.id, isFinished);
    await fetch(`${url}/jobs/${job.id}`);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('http_requests_total{method="POST",route="/jobs",status="202"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="/jobs/:id",status="200"} 1');
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/jobs"\} \d/,
    );
    expect(text).toContain('jobs{status="succeeded"} 1');
    expect(text).toContain('job_events_total{kind="progress"} 9');
    expect(text).toContain('job_events_total{kind="succeeded"} 1');
    expect(text).toMatch(/nodejs_eventloop_lag_p99_seconds \d/);
  });
});

describe('/healthz', () => {
  it('reports ok with event-loop delay, and 503 draining once shutdown begins', async () => {
    const { url, server } = await startInjectedServer();
    const ok = await fetch(`${url}/healthz`);
    expect(ok.status).toBe(200);
    const body = await json<{ status: string; eventLoopDelayMs: { p99: number } }>(ok);
    expect(body.status).toBe('ok');
    expect(body.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(0);
    server.engine.stopAccepting();
    const draining = await fetch(`${url}/healthz`);
    expect(draining.status).toBe(503);
    expect(await json(draining)).toMatchObject({ status: 'draining' });
  });
});

describe('/healthz/live and /healthz/ready', () => {
  it('stay live while draining; ready only while accepting work with a writable store', async () => {
    const { url, server } = await startInjectedServer();
    const probe = async (path: string) => {
      const response = await fetch(`${url}${path}`);
      return { status: response.status, body: await json(response) };
    };
    expect(await probe('/healthz/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe('/healthz/ready')).toEqual({ status: 200, body: { status: 'ok' } });
    server.engine.stopAccepting();
    expect(await probe('/healthz/live')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe('/healthz/ready')).toMatchObject({
      status: 503,
      body: { status: 'draining' },
    });
  });

  it('is not ready when the store cannot be written', async () => {
    const { url, dataDir } = await startInjectedServer();
    // A second connection holding the write lock: the server's own could not write now.
    const { default: Database } = await import('better-sqlite3');
    const other = new Database(`${dataDir}/jobs.db`);
    other.exec('BEGIN IMMEDIATE');
    try {
      const response = await fetch(`${url}/healthz/ready`);
      expect(response.status).toBe(503);
      expect(await json(response)).toMatchObject({ status: 'failing' });
      expect((await fetch(`${url}/healthz/live`)).status).toBe(200);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await fetch(`${url}/healthz/ready`)).status).toBe(200);
  });
});

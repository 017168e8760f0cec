import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, type ErrorCode } from '../src/model/errors/catalogue.js';
import { renderErrorsDoc } from '../src/model/errors/errors-doc.js';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { rawRequest } from './helpers/raw-http.js';
import { startInjectedServer, startTestServer, type TestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';
import { connect } from './helpers/ws-client.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

interface Answer {
  status: number;
  contentType: string | null;
  body: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await json(response),
  };
}

async function raw(url: string, chunks: string[]): Promise<Answer> {
  const response = await rawRequest(url, chunks);
  const contentType = /content-type: ([^\r\n]+)/i.exec(response.headers)?.[1] ?? null;
  return {
    status: response.status,
    contentType,
    body: JSON.parse(response.body) as Record<string, unknown>,
  };
}

/** Codes whose trigger is about the connection itself: raw HTTP on a real port. */
const OVER_THE_NETWORK = new Set<ErrorCode>([
  'malformed_request',
  'request_timeout',
  'headers_too_large',
  'origin_not_allowed',
  'too_many_connections',
]);

/**
 * One real request per error code that a client can cause, injected unless the code is in
 * OVER_THE_NETWORK.
 */
const TRIGGERS: Partial<Record<ErrorCode, (t: TestServer) => Promise<Answer>>> = {
  invalid_request: async ({ url }) => answer(await fetch(`${url}/jobs?limit=0`)),
  not_external_type: async ({ url }) =>
    answer(await postJson(`${url}/workers/claim`, { types: ['demo'] })),
  lease_lost: async ({ url }) => {
    const job = await json<Job>(await postJson(`${url}/jobs`, { type: 'demo' }));
    return answer(await postJson(`${url}/workers/jobs/${job.id}/progress`, { token: 'not-held' }));
  },
  malformed_json: async ({ url }) =>
    answer(
      await fetch(`${url}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"type":',
      }),
    ),
  malformed_request: async ({ url }) => raw(url, ['THIS IS NOT HTTP\r\n\r\n']),
  invalid_job_id: async ({ url }) => answer(await fetch(`${url}/jobs/not-a-uuid`)),
  unknown_job_type: async ({ url }) => answer(await postJson(`${url}/jobs`, { type: 'nope' })),
  invalid_input: async ({ url }) =>
    answer(await postJson(`${url}/jobs`, { type: 'primes', input: { n: 'many' } })),
  path_not_allowed: async ({ url }) =>
    answer(
      await postJson(`${url}/jobs`, { type: 'hash-file', input: { path: '../../etc/passwd' } }),
    ),
  invalid_idempotency_key: async ({ url }) =>
    answer(await postJson(`${url}/jobs`, { type: 'demo' }, { 'idempotency-key': 'has space' })),
  invalid_event_id: async ({ url }) =>
    answer(await fetch(`${url}/events?topics=jobs`, { headers: { 'last-event-id': 'seven' } })),
  too_many_jobs: async ({ url }) =>
    answer(
      await fetch(
        `${url}/events?jobs=${Array.from({ length: 21 }, (_, i) => `${MISSING.slice(0, -2)}${String(i).padStart(2, '0')}`).join(',')}`,
      ),
    ),
  not_found: async ({ url }) => answer(await fetch(`${url}/no/such/route`)),
  job_not_found: async ({ url }) => answer(await fetch(`${url}/jobs/${MISSING}`)),
  schedule_not_found: async ({ url }) => answer(await fetch(`${url}/schedules/${MISSING}`)),
  webhook_endpoint_not_found: async ({ url }) => answer(await fetch(`${url}/webhooks/${MISSING}`)),
  invalid_cron: async ({ url }) =>
    answer(await postJson(`${url}/schedules`, { cron: 'never', type: 'demo' })),
  invalid_timezone: async ({ url }) =>
    answer(
      await postJson(`${url}/schedules`, { cron: '* * * * *', timezone: 'No/Where', type: 'demo' }),
    ),
  method_not_allowed: async ({ url }) => answer(await fetch(`${url}/healthz`, { method: 'PUT' })),
  request_timeout: async ({ url }) => raw(url, ['GET /healthz HTTP/1.1\r\nHost: x\r\n']),
  job_finished: async ({ url, server }) => {
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } }),
    );
    await waitForJob(server.store, job.id, isFinished);
    return answer(await fetch(`${url}/jobs/${job.id}`, { method: 'DELETE' }));
  },
  payload_too_large: async ({ url }) =>
    answer(await postJson(`${url}/jobs`, { type: 'demo', input: { pad: 'x'.repeat(4096) } })),
  unsupported_media_type: async ({ url }) =>
    answer(
      await fetch(`${url}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'demo',
      }),
    ),
  idempotency_key_reused: async ({ url }) => {
    await postJson(`${url}/jobs`, { type: 'demo' }, { 'idempotency-key': 'same' });
    return answer(
      await postJson(
        `${url}/jobs`,
        { type: 'primes', input: { n: 10 } },
        { 'idempotency-key': 'same' },
      ),
    );
  },
  headers_too_large: async ({ url }) =>
    raw(url, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]),
  internal_error: async ({ url, server }) => {
    await server.store.close(); // the store fails underneath a valid request
    return answer(await fetch(`${url}/jobs/${MISSING}`));
  },
  shutting_down: async ({ url, server }) => {
    server.engine.stopAccepting();
    return answer(await postJson(`${url}/jobs`, { type: 'demo' }));
  },
  origin_not_allowed: async ({ url }) =>
    raw(url, [upgradeRequest({ origin: 'https://evil.example' })]),
  unauthorized: async () => {
    const { url } = await startInjectedServer({ apiKeys: 'alice:alice-secret-0123456789' });
    return answer(await fetch(`${url}/jobs`));
  },
  rate_limited: async () => {
    const { url } = await startInjectedServer({ submitRatePerIp: 1 });
    await postJson(`${url}/submit`, {});
    return answer(await postJson(`${url}/submit`, {}));
  },
  webhook_url_refused: async ({ url }) =>
    answer(
      await postJson(`${url}/jobs`, { type: 'demo', webhook: { url: 'http://127.0.0.1/hook' } }),
    ),
  delivery_not_found: async ({ url }) => {
    const job = (await (await postJson(`${url}/jobs`, { type: 'demo' })).json()) as { id: string };
    return answer(await postJson(`${url}/jobs/${job.id}/deliveries/msg_nope/redeliver`, {}));
  },
  too_many_connections: async () => {
    const { url } = await startTestServer({ maxConnectionsPerIp: 1 });
    await connect(url);
    return raw(url, [upgradeRequest()]);
  },
};

/** A WebSocket upgrade request for /ws, as raw HTTP. */
function upgradeRequest(headers: Record<string, string> = {}): string {
  const lines = Object.entries({
    host: 'x',
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `GET /ws HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/** Codes tested elsewhere, and where. */
const COVERED_ELSEWHERE: Partial<Record<ErrorCode, string>> = {
  illegal_transition: 'raised by the store; covered by the store conformance suite',
  job_canceled: 'needs a job of an external type held by a worker; test/workers-protocol.test.ts',
  store_unavailable: 'needs a Redis to stop; covered by test/redis-mode.test.ts',
  storage_full: 'needs a full disk (a tmpfs as root); covered by test/full-disk.test.ts',
  redis_unsafe: 'needs a Redis that lost its data or evicts; covered by test/redis-safety.test.ts',
  invalid_message: 'WebSocket only; test/websocket-protocol.test.ts',
  invalid_topic: 'WebSocket only; test/websocket-protocol.test.ts',
  publish_not_allowed: 'WebSocket only; test/websocket-protocol.test.ts',
  too_many_subscriptions: 'WebSocket only; test/websocket-protocol.test.ts',
  message_too_large: 'WebSocket close 1009; test/websocket-protocol.test.ts',
  slow_consumer: 'WebSocket close 4008; test/websocket-backpressure.test.ts',
  delivery_not_dead: 'needs a delivery that is not dead; test/webhook-delivery.test.ts',
  too_many_webhook_endpoints:
    'needs 20 endpoints registered first; test/http-webhook-endpoints.test.ts',
  webhooks_unsupported: 'needs a store without an outbox; test/webhook-delivery.test.ts',
  invalid_token: 'needs JWT options; every reason in test/jwt-auth.test.ts and jwt-jwks.test.ts',
  insufficient_scope: 'needs JWT options and a scoped token; test/jwt-auth.test.ts',
  jwks_unavailable: 'needs a JWKS that hangs; test/jwt-jwks.test.ts',
};

describe('error catalogue', () => {
  it.each(Object.entries(TRIGGERS))('%s: answered as a problem document', async (code, trigger) => {
    const start = OVER_THE_NETWORK.has(code as ErrorCode) ? startTestServer : startInjectedServer;
    const server = await start({
      bodyLimit: 1024,
      headersTimeout: 1000,
      requestTimeout: 1000,
    });
    const { status, contentType, body } = await trigger(server);
    const spec = ERROR_CATALOGUE[code as ErrorCode];
    expect(body).toMatchObject({
      code,
      status: spec.status,
      title: spec.title,
      type: `/errors/${code}`,
    });
    expect(status).toBe(spec.status);
    expect(contentType).toMatch(/^application\/problem\+json/);
    expect(typeof body.detail).toBe('string');
    expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
  });

  it('has a trigger, or a stated reason, for every code', () => {
    const covered = [...Object.keys(TRIGGERS), ...Object.keys(COVERED_ELSEWHERE)].sort();
    expect(covered).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });

  it.each([
    [
      'an HTTP/1.1 request without Host',
      'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n',
      400,
      'invalid_request',
    ],
    [
      'a WebSocket upgrade without a key',
      upgradeRequest({ 'sec-websocket-key': 'short' }),
      400,
      'invalid_request',
    ],
    [
      'a WebSocket upgrade of another version',
      upgradeRequest({ 'sec-websocket-version': '99' }),
      400,
      'invalid_request',
    ],
    [
      'a WebSocket upgrade by POST',
      upgradeRequest().replace(/^GET/, 'POST'),
      400,
      'invalid_request',
    ],
    [
      'CONNECT',
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      404,
      'not_found',
    ],
  ])(
    'refuses %s with a problem document, not a bare answer',
    async (_name, request, status, code) => {
      const { url } = await startTestServer();
      const answer = await raw(url, [request]);
      expect(answer).toMatchObject({ status, body: { code, status } });
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
    },
  );

  it.each([
    ['a path with bad percent-encoding', '/jobs/%zz'],
    ['a path parameter over 100 characters', `/jobs/${'a'.repeat(101)}`],
  ])("answers %s with a problem document, not the router's own shape", async (_name, path) => {
    const { url } = await startInjectedServer();
    const response = await answer(await fetch(`${url}${path}`));
    expect(response).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(response.contentType).toMatch(/^application\/problem\+json/);
  });

  it('names every invalid field', async () => {
    const { url } = await startInjectedServer();
    const response = await postJson(`${url}/jobs`, {
      type: 'demo',
      input: { stepMs: 1, extra: true },
    });
    expect(await json(response)).toMatchObject({
      errors: [
        { field: 'input.extra', message: 'is not an allowed field' },
        { field: 'input.stepMs', message: 'must be >= 10' },
      ],
    });
  });

  it('lists the known types for an unknown one', async () => {
    const { url } = await startInjectedServer();
    const body = await json(await postJson(`${url}/jobs`, { type: 'nope' }));
    expect(body.knownTypes).toEqual(['demo', 'hash-file', 'primes']);
  });

  it('describes each code at its type URI', async () => {
    const { url } = await startInjectedServer();
    const body = await json(await fetch(`${url}/errors/job_not_found`));
    expect(body).toEqual({ code: 'job_not_found', ...ERROR_CATALOGUE.job_not_found });
    expect((await fetch(`${url}/errors/toString`)).status).toBe(404);
  });

  it('docs/errors.md is the rendering of the catalogue (npm run docs:errors)', () => {
    const committed = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderErrorsDoc());
  });
});

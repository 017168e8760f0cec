import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer } from './helpers/test-server.js';
import { connect, wsUrl, type Received } from './helpers/ws-client.js';

const isError = (code: string) => (m: Received) => m.type === 'error' && m.code === code;

/** Opens an upgrade that the server refuses; resolves with the HTTP answer. */
async function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const ws = new WebSocket(wsUrl(url), { headers });
  ws.on('error', () => undefined);
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  ws.terminate();
  const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
  return { status: response.statusCode ?? 0, body };
}

describe('WebSocket protocol', () => {
  it('welcomes with the heartbeat interval and limits', async () => {
    const { url } = await startTestServer({ wsHeartbeat: 3000 });
    const client = await connect(url);
    expect(client.messages[0]).toEqual({
      type: 'welcome',
      heartbeatMs: 3000,
      maxPayload: 65_536,
      maxSubscriptions: 100,
      publishPerSecond: 20,
    });
  });

  it('answers bad messages with error messages and keeps the connection', async () => {
    const { url } = await startTestServer();
    const client = await connect(url);
    const cases: [unknown, string, Record<string, unknown>?][] = [
      ['{"type": "subscribe", ', 'malformed_json'],
      ['[1, 2]', 'invalid_message'],
      [{ type: 'shout', id: 1 }, 'invalid_message', { id: 1 }],
      [
        { type: 'subscribe', topic: 'jobs', afer: 3, id: 'a' },
        'invalid_message',
        { id: 'a', errors: [{ field: 'afer', message: 'is not an allowed field' }] },
      ],
      [{ type: 'credit', n: 0, id: 2 }, 'invalid_message', { id: 2 }],
      [{ type: 'subscribe', topic: 'weather', id: 3 }, 'invalid_topic', { topic: 'weather' }],
      [{ type: 'subscribe', topic: 'chat:a b', id: 4 }, 'invalid_topic', { id: 4 }],
      [{ type: 'subscribe', topic: 'job:42', id: 5 }, 'invalid_job_id', { id: 5 }],
      [{ type: 'subscribe', topic: 'jobs', after: 1, id: 6 }, 'invalid_message', { id: 6 }],
      [{ type: 'publish', topic: 'jobs', data: 1, id: 7 }, 'publish_not_allowed', { id: 7 }],
      [
        `{"type":"publish","topic":"chat:deep","data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
        'invalid_message',
      ],
    ];
    for (const [message, code, extra] of cases) {
      const before = client.messages.length;
      client.send(message);
      const error = await client.waitFor((m) => client.messages.indexOf(m) >= before);
      expect(error, JSON.stringify(message)).toMatchObject({ type: 'error', code, ...extra });
      expect(typeof error.message).toBe('string');
    }
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.waitFor((m) => isError('invalid_message')(m) && /binary/.test(String(m.message)));
    client.send({ type: 'subscribe', topic: 'chat:still-here', id: 'ok' });
    expect(await client.waitFor((m) => m.type === 'subscribed')).toMatchObject({ id: 'ok' });
  });

  it('closes a connection that sends a frame over the limit with 1009; others carry on', async () => {
    const { url, server } = await startTestServer({ wsMaxPayload: 4096 });
    const big = await connect(url);
    const other = await connect(url);
    big.send({ type: 'publish', topic: 'chat:r', data: 'x'.repeat(5000) });
    expect((await big.closed).code).toBe(1009);
    other.send({ type: 'subscribe', topic: 'chat:r', id: 1 });
    await other.waitFor((m) => m.type === 'subscribed');
    await expect.poll(() => server.websocket.connectionCount).toBe(1);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ws_disconnects_total\{reason="message_too_large"\} 1/);
  });

  it('refuses a foreign Origin with 403 before the upgrade, and allows its own host', async () => {
    const { url } = await startTestServer();
    const foreign = await refusedUpgrade(url, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ code: 'origin_not_allowed', status: 403 });
    expect((await refusedUpgrade(url, { origin: 'null' })).status).toBe(403);
    const own = await connect(url, { origin: url });
    expect(own.messages[0]?.type).toBe('welcome');
  });

  it('allows Origin null (pages opened from disk) when the option says so', async () => {
    const { url } = await startTestServer({ allowNullOrigin: true });
    const fromDisk = await connect(url, { headers: { origin: 'null' } });
    expect(fromDisk.messages[0]?.type).toBe('welcome');
  });

  it('limits connections per address (429), subscriptions and publishes per connection', async () => {
    const { url } = await startTestServer({
      maxConnectionsPerIp: 2,
      wsMaxSubscriptions: 2,
      wsPublishRate: 3,
    });
    const client = await connect(url);
    await connect(url);
    const third = await refusedUpgrade(url);
    expect(third).toMatchObject({ status: 429, body: { code: 'too_many_connections' } });

    for (const room of ['a', 'b', 'c']) client.send({ type: 'subscribe', topic: `chat:${room}` });
    expect(await client.waitFor(isError('too_many_subscriptions'))).toMatchObject({
      topic: 'chat:c',
    });

    for (let i = 0; i < 4; i++) client.send({ type: 'publish', topic: 'chat:a', data: i });
    const limited = await client.waitFor(isError('rate_limited'));
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    const events = client.messages.filter((m) => m.type === 'event').map((m) => m.data);
    expect(events).toEqual([0, 1, 2]);
  });

  it('counts joining a room under a name as a publish (join notices reach the whole room)', async () => {
    const { url } = await startTestServer({ wsPublishRate: 2 });
    const client = await connect(url);
    for (const room of ['a', 'b', 'c']) {
      client.send({ type: 'subscribe', topic: `chat:${room}`, name: 'Ada', id: room });
    }
    expect(await client.waitFor(isError('rate_limited'))).toMatchObject({ id: 'c' });
    const joined = client.messages.filter((m) => m.type === 'presence').map((m) => m.topic);
    expect(joined).toEqual(['chat:a', 'chat:b']);
  });

  it('exports connections, subscriptions and traffic as metrics', async () => {
    const { url } = await startTestServer();
    const a = await connect(url);
    const b = await connect(url);
    a.send({ type: 'subscribe', topic: 'chat:m' });
    a.send({ type: 'subscribe', topic: 'jobs' });
    b.send({ type: 'subscribe', topic: 'chat:m', id: 1 });
    await b.waitFor((m) => m.type === 'subscribed');
    await a.waitFor((m) => m.type === 'subscribed' && m.topic === 'jobs');
    await refusedUpgrade(url, { origin: 'https://evil.example' });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^ws_connections 2$/m);
    expect(text).toMatch(/^ws_subscriptions\{kind="chat"\} 2$/m);
    expect(text).toMatch(/^ws_subscriptions\{kind="jobs"\} 1$/m);
    expect(text).toMatch(/^ws_messages_sent_total 5$/m); // 2 welcomes, 3 acknowledgements
    expect(text).toMatch(/^ws_bytes_sent_total [1-9]\d*$/m);
    expect(text).toMatch(/^ws_rejected_upgrades_total\{code="origin_not_allowed"\} 1$/m);
    // The same figures as the other transports report, for side-by-side views.
    expect(text).toMatch(/^transport_open_connections\{transport="websocket"\} 2$/m);
    expect(text).toMatch(/^transport_bytes_sent_total\{transport="websocket"\} [1-9]\d*$/m);
  });

  it('answers upgrades elsewhere than /ws with 404', async () => {
    const { url } = await startTestServer();
    const ws = new WebSocket(`${url.replace('http', 'ws')}/elsewhere`);
    ws.on('error', () => undefined);
    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(404);
    ws.terminate();
  });
});

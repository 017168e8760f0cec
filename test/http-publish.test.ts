/**
 * Publishing over HTTP (POST /topics/{topic}/messages): WebSocket subscribers receive it exactly
 * as a client's publish, with the same rules (room names, size, per-key rate), and the pub/sub
 * chapter's curl example works as written.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { json } from './helpers/http.js';
import { startTestServer } from './helpers/test-server.js';
import { connect } from './helpers/ws-client.js';

const KEY = 'backend-secret-0123456789';
const auth = { authorization: `Bearer ${KEY}` };
const publish = (url: string, topic: string, body: unknown, headers = auth) =>
  fetch(`${url}/topics/${topic}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('HTTP publish', () => {
  it('reaches WebSocket subscribers exactly as a WebSocket client’s publish', async () => {
    const { url } = await startTestServer({ apiKeys: `backend:${KEY}` });
    const subscriber = await connect(url, { headers: auth });
    const client = await connect(url, { headers: auth });
    subscriber.send({ type: 'subscribe', topic: 'chat:lobby', id: 's' });
    await subscriber.waitFor((m) => m.type === 'subscribed');

    const response = await publish(url, 'chat:lobby', { data: { text: 'over http' } });
    expect(response.status).toBe(202);
    expect(await json(response)).toEqual({ topic: 'chat:lobby' });
    client.send({ type: 'publish', topic: 'chat:lobby', data: { text: 'over ws' }, id: 1 });

    const [fromHttp, fromWs] = [
      await subscriber.waitFor((m) => m.type === 'event' && m.seq === 1),
      await subscriber.waitFor((m) => m.type === 'event' && m.seq === 2),
    ];
    expect(fromHttp).toMatchObject({ topic: 'chat:lobby', data: { text: 'over http' } });
    expect(Object.keys(fromHttp).sort()).toEqual(Object.keys(fromWs).sort());
    expect(fromWs).toMatchObject({ data: { text: 'over ws' } });
  });

  it('needs a key, a chat topic, a message within the size limit and the per-key rate', async () => {
    const { url } = await startTestServer({
      apiKeys: `backend:${KEY}`,
      wsMaxPayload: 1024,
      publishRatePerKey: 1,
    });
    const anonymous = await publish(url, 'chat:lobby', { data: 1 }, {} as typeof auth);
    expect(anonymous.status).toBe(401);
    const jobTopic = await publish(url, 'jobs', { data: 1 });
    expect(jobTopic.status).toBe(400);
    const tooBig = await publish(url, 'chat:lobby', { data: 'x'.repeat(2000) });
    expect(tooBig.status).toBe(413);
    expect(await json(tooBig)).toMatchObject({ code: 'payload_too_large' });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5 && limited === undefined; i++) {
      const response = await publish(url, 'chat:lobby', { data: i });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses[0]).toBe(202);
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await json(limited as Response)).toMatchObject({ code: 'rate_limited' });
  });

  it('runs the chapter’s curl example (demos/pub-sub/publish.sh)', async () => {
    const { url } = await startTestServer({ apiKeys: `backend:${KEY}` });
    const subscriber = await connect(url, { headers: auth });
    subscriber.send({ type: 'subscribe', topic: 'chat:lobby', id: 's' });
    await subscriber.waitFor((m) => m.type === 'subscribed');
    const script = new URL('../demos/pub-sub/publish.sh', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)('sh', [script], {
      env: { ...process.env, BASE_URL: url, API_KEY: KEY },
    });
    expect(JSON.parse(stdout)).toEqual({ topic: 'chat:lobby' });
    const event = await subscriber.waitFor((m) => m.type === 'event');
    expect(event).toMatchObject({ data: { text: 'deploy finished', by: 'ci' } });
  });
});

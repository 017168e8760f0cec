/**
 * Webhooks end to end: a real server on loopback calls a real receiver (demos/webhooks/
 * receiver.ts), which checks every signature with node:crypto alone — an implementation
 * independent of the `standardwebhooks` package that signed it.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startReceiver, type Receiver, type ReceiverOptions } from '../demos/webhooks/receiver.js';
import { verifySignature } from '../demos/webhooks/verify-signature.js';
import type { Delivery } from '../src/model/webhook.js';
import { newWebhookSecret } from '../src/jobs/webhook-secret.js';
import { startTestServer } from './helpers/test-server.js';

const SECRET = newWebhookSecret();

async function receiver(options: Partial<ReceiverOptions> = {}): Promise<Receiver> {
  const started = await startReceiver({ secrets: [SECRET], ...options });
  onTestFinished(() => started.close());
  return started;
}

async function submit(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const server = (extra: Record<string, unknown> = {}) =>
  startTestServer({ webhookSecret: SECRET, webhookAllowPrivate: true, ...extra });

describe('webhooks', () => {
  it('POSTs the terminal event once, signed per Standard Webhooks, verified by node:crypto', async () => {
    const hooks = await receiver();
    const { url } = await server();
    const response = await submit(url, {
      type: 'demo',
      input: { stepMs: 10 },
      webhook: { url: hooks.url },
    });
    expect(response.status).toBe(202);
    const job = (await response.json()) as { id: string };
    await expect.poll(() => hooks.processed.size, { timeout: 10_000 }).toBe(1);
    const [first] = hooks.requests;
    expect(first?.answer).toBe(200);
    expect(first?.headers['webhook-id']).toMatch(/^msg_/);
    expect(first?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(first?.payload).toMatchObject({
      type: 'job.succeeded',
      data: { jobId: job.id, kind: 'succeeded', status: 'succeeded' },
    });
    // A wrong secret, a changed body and a stale timestamp all fail the independent check.
    const headers = first?.headers ?? {};
    expect(verifySignature([newWebhookSecret()], headers, first?.body ?? '').ok).toBe(false);
    expect(verifySignature([SECRET], headers, `${first?.body} `).ok).toBe(false);
    const sentAt = Number(headers['webhook-timestamp']);
    expect(verifySignature([SECRET], headers, first?.body ?? '', sentAt + 301)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('stale') as string,
    });

    // The server records the attempt once the answer is in: poll for it.
    const deliveries = async () => {
      const listed = await fetch(`${url}/jobs/${job.id}/deliveries`);
      return ((await listed.json()) as { deliveries: Delivery[] }).deliveries;
    };
    await expect.poll(async () => (await deliveries())[0]?.state).toBe('delivered');
    expect(await deliveries()).toHaveLength(1);
    expect((await deliveries())[0]).toMatchObject({
      id: first?.headers['webhook-id'],
      state: 'delivered',
      kind: 'succeeded',
      attempts: [{ attempt: 1, statusCode: 200 }],
    });
  });

  it('with events "all" reports every event, in seq order', async () => {
    const hooks = await receiver();
    const { url } = await server();
    const response = await submit(url, {
      type: 'demo',
      input: { stepMs: 10 },
      webhook: { url: hooks.url, events: 'all' },
    });
    const job = (await response.json()) as { id: string };
    await expect
      .poll(() => hooks.requests.at(-1)?.payload?.type, { timeout: 10_000 })
      .toBe('job.succeeded');
    const seqs = hooks.requests.map((r) => r.payload?.data.seq);
    expect(seqs).toEqual([...seqs].sort((a = 0, b = 0) => a - b));
    const types = hooks.requests.map((r) => r.payload?.type);
    expect(types.slice(0, 2)).toEqual(['job.queued', 'job.started']);
    expect(new Set(types.slice(2, -1))).toEqual(new Set(['job.progress']));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // every event, none twice
    expect(hooks.requests.every((r) => r.payload?.data.jobId === job.id)).toBe(true);
  });

  it('signs with every secret while rotating: a receiver with only the old one still verifies', async () => {
    const next = newWebhookSecret();
    const hooks = await receiver({ secrets: [SECRET] });
    const { url } = await server({ webhookSecret: `${next},${SECRET}` });
    await submit(url, { type: 'demo', input: { stepMs: 10 }, webhook: { url: hooks.url } });
    await expect.poll(() => hooks.processed.size, { timeout: 10_000 }).toBe(1);
    const signature = String(hooks.requests[0]?.headers['webhook-signature']);
    expect(signature.split(' ')).toHaveLength(2);
    const { headers, body } = hooks.requests[0] ?? { headers: {}, body: '' };
    expect(verifySignature([next], headers, body).ok).toBe(true);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const hooks = await receiver({ respond: () => 302 });
    const { url } = await server();
    const response = await submit(url, {
      type: 'demo',
      input: { stepMs: 10 },
      webhook: { url: hooks.url },
    });
    const job = (await response.json()) as { id: string };
    await expect.poll(() => hooks.requests.length, { timeout: 10_000 }).toBe(1);
    await expect
      .poll(
        async () => {
          const listed = await fetch(`${url}/jobs/${job.id}/deliveries`);
          const { deliveries } = (await listed.json()) as { deliveries: Delivery[] };
          return deliveries[0]?.attempts[0];
        },
        { timeout: 5000 },
      )
      .toMatchObject({ statusCode: 302, error: 'HTTP 302' });
  });
});

describe('webhook URLs are SSRF-safe by default', () => {
  const refused: [string, string][] = [
    ['loopback IPv4', 'http://127.0.0.1:9/x'],
    ['loopback, another /8 address', 'http://127.3.4.5/x'],
    ['loopback IPv6', 'http://[::1]/x'],
    ['localhost (resolves to loopback)', 'http://localhost/x'],
    ['private 10/8', 'http://10.1.2.3/x'],
    ['private 172.16/12', 'http://172.16.0.1/x'],
    ['private 192.168/16', 'https://192.168.1.1/x'],
    ['carrier-grade NAT', 'http://100.64.0.1/x'],
    ['link-local', 'http://169.254.10.10/x'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['unspecified', 'http://0.0.0.0/x'],
    ['IPv6 link-local', 'http://[fe80::1]/x'],
    ['IPv6 unique local', 'http://[fd00::1]/x'],
    ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/x'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/x'],
    ['IPv4-mapped IPv6 private', 'http://[::ffff:10.0.0.1]/x'],
    ['IPv4-compatible IPv6', 'http://[::7f00:1]/x'],
    ['NAT64 of loopback', 'http://[64:ff9b::7f00:1]/x'],
    ['multicast', 'http://224.0.0.1/x'],
    ['decimal IPv4 (WHATWG URL makes it 127.0.0.1)', 'http://2130706433/x'],
    ['scheme file', 'file:///etc/passwd'],
    ['scheme gopher', 'gopher://example.com/'],
    ['credentials', 'http://user:pass@93.184.215.14/x'],
  ];

  it.each(refused)('%s: 400 webhook_url_refused at submit, no job', async (_name, target) => {
    const { url, server } = await startTestServer({ webhookSecret: SECRET });
    const response = await submit(url, { type: 'demo', webhook: { url: target } });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; reason: string };
    expect(problem.code).toBe('webhook_url_refused');
    expect(problem.reason).toBeTruthy();
    expect((await server.engine.list({ limit: 10 })).jobs).toHaveLength(0);
  });
});

/**
 * Registered endpoints end to end: a real server on loopback reports an owner's jobs to each
 * endpoint that owner registered, to a real receiver (demos/webhooks/receiver.ts) that checks
 * the signature with node:crypto alone (demos/webhooks/verify-signature.ts) — against the
 * endpoint's own secret, not the server's, which still signs a submit's own webhook.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startReceiver, type Receiver } from '../demos/webhooks/receiver.js';
import { verifySignature } from '../demos/webhooks/verify-signature.js';
import type { WebhookEndpointWithSecret } from '../src/model/webhook-endpoint.js';
import type { Delivery } from '../src/model/webhook.js';
import { newWebhookSecret } from '../src/jobs/webhook-secret.js';
import { startTestServer } from './helpers/test-server.js';

const SERVER_SECRET = newWebhookSecret();
const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-01234567890';

/** `secrets` is read on every request: a test adds an endpoint's secret once it has one. */
async function receiver(secrets: string[] = []): Promise<Receiver & { secrets: string[] }> {
  const started = await startReceiver({ secrets });
  onTestFinished(() => started.close());
  return Object.assign(started, { secrets });
}

async function call(url: string, path: string, body: unknown, key?: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

const server = (extra: Record<string, unknown> = {}) =>
  startTestServer({ webhookSecret: SERVER_SECRET, webhookAllowPrivate: true, ...extra });

async function register(url: string, body: object, key?: string) {
  const response = await call(url, '/webhooks', body, key);
  expect(response.status).toBe(201);
  return (await response.json()) as WebhookEndpointWithSecret;
}

/** A short demo job of `key`'s owner, without a webhook of its own. */
async function submit(url: string, key: string): Promise<string> {
  const response = await call(url, '/jobs', { type: 'demo', input: { stepMs: 10 } }, key);
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function deliveries(url: string, jobId: string, key?: string): Promise<Delivery[]> {
  const response = await fetch(`${url}/jobs/${jobId}/deliveries`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  return ((await response.json()) as { deliveries: Delivery[] }).deliveries;
}

describe('registered webhook endpoints', () => {
  it("report an owner's jobs signed with the endpoint's secret; a submit's webhook keeps the server's", async () => {
    const { url } = await server();
    // Each receiver knows one secret: a signature made with the other fails there.
    const endpointHooks = await receiver();
    const hooked = await register(url, { url: endpointHooks.url });
    endpointHooks.secrets.push(hooked.secret);
    const ownHooks = await receiver([SERVER_SECRET]);
    const submitted = await call(url, '/jobs', {
      type: 'demo',
      input: { stepMs: 10 },
      webhook: { url: ownHooks.url },
    });
    expect(submitted.status).toBe(202);
    const job = (await submitted.json()) as { id: string };

    await expect.poll(() => endpointHooks.processed.size, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => ownHooks.processed.size, { timeout: 10_000 }).toBe(1);
    const [atEndpoint] = endpointHooks.requests;
    expect(endpointHooks.requests).toHaveLength(1);
    const [atOwn] = ownHooks.requests;
    expect(atEndpoint?.answer).toBe(200);
    expect(atOwn?.answer).toBe(200);
    expect(atEndpoint?.payload).toMatchObject({ type: 'job.succeeded', data: { jobId: job.id } });
    // Each signed with its own secret only: node:crypto says which one verifies.
    const check = (secret: string, r: typeof atEndpoint) =>
      verifySignature([secret], r?.headers ?? {}, r?.body ?? '').ok;
    expect(check(hooked.secret, atEndpoint)).toBe(true);
    expect(check(SERVER_SECRET, atEndpoint)).toBe(false);
    expect(check(SERVER_SECRET, atOwn)).toBe(true);
    expect(check(hooked.secret, atOwn)).toBe(false);

    await expect
      .poll(async () => (await deliveries(url, job.id)).map((d) => d.state))
      .toEqual(['delivered', 'delivered']);
    const listed = await deliveries(url, job.id);
    expect(listed.find((d) => d.url === endpointHooks.url)).toMatchObject({
      endpointId: hooked.id,
      id: atEndpoint?.headers['webhook-id'],
    });
    expect(listed.find((d) => d.url === ownHooks.url)).not.toHaveProperty('endpointId');
  });

  it("reach only their owner's jobs, with the events each asked for; a deleted one stops", async () => {
    const { url } = await server({ apiKeys: `alice:${ALICE},bob:${BOB}` });
    const aliceAll = await receiver();
    const bobTerminal = await receiver();
    const alice = await register(url, { url: aliceAll.url, events: 'all' }, ALICE);
    const bob = await register(url, { url: bobTerminal.url }, BOB);
    aliceAll.secrets.push(alice.secret);
    bobTerminal.secrets.push(bob.secret);

    const aliceJob = await submit(url, ALICE);
    const bobJob = await submit(url, BOB);
    await expect
      .poll(
        async () =>
          (await deliveries(url, aliceJob, ALICE)).every((d) => d.state === 'delivered') &&
          (await deliveries(url, aliceJob, ALICE)).at(-1)?.kind === 'succeeded',
        { timeout: 10_000 },
      )
      .toBe(true);
    await expect.poll(() => bobTerminal.processed.size, { timeout: 10_000 }).toBe(1);
    const aliceKinds = aliceAll.requests.map(
      (r) => (r.payload as { data: { jobId: string; kind: string } }).data,
    );
    expect(aliceKinds.every((d) => d.jobId === aliceJob)).toBe(true);
    expect(aliceKinds.map((d) => d.kind)).toContain('started');
    expect(aliceKinds.at(-1)?.kind).toBe('succeeded');
    expect(aliceAll.requests.every((r) => r.answer === 200)).toBe(true);
    expect(
      bobTerminal.requests.map(
        (r) => (r.payload as { data: { jobId: string; kind: string } }).data,
      ),
    ).toMatchObject([{ jobId: bobJob, kind: 'succeeded' }]);

    const removed = await fetch(`${url}/webhooks/${alice.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ALICE}` },
    });
    expect(removed.status).toBe(204);
    const later = await submit(url, ALICE);
    const bobLater = await submit(url, BOB);
    // Bob's second job is reported; by then Alice's, finished about as soon, would have been too.
    await expect.poll(() => bobTerminal.processed.size, { timeout: 10_000 }).toBe(2);
    await expect
      .poll(async () => (await deliveries(url, bobLater, BOB))[0]?.state)
      .toBe('delivered');
    expect(await deliveries(url, later, ALICE)).toEqual([]);
    expect(aliceAll.requests.some((r) => JSON.stringify(r.payload).includes(later))).toBe(false);
  });
});

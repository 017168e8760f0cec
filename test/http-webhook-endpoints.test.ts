/**
 * Registered webhook endpoints over HTTP (src/http/routes/webhook-endpoints.ts) through
 * app.inject — the network is not the subject here (test/webhook-endpoints.test.ts delivers to
 * a real receiver): create with its one-time secret, list in pages, read, update, delete,
 * rotate, per-owner visibility, the SSRF check at registration, and bad input.
 */
import { describe, expect, it } from 'vitest';
import type {
  WebhookEndpoint,
  WebhookEndpointPage,
  WebhookEndpointWithSecret,
} from '../src/model/webhook-endpoint.js';
import { checkedInject } from './helpers/contract/checked-inject.js';
import { startInjectedServer } from './helpers/test-server.js';

const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-01234567890';
/** Loopback is allowed in these tests (--webhook-allow-private); nothing is sent to it here. */
const HOOK = 'http://127.0.0.1:9/jobs';

/** A server's app, its answers checked against the OpenAPI document. */
async function app(options: Parameters<typeof startInjectedServer>[0] = {}) {
  const { server } = await startInjectedServer({ webhookAllowPrivate: true, ...options });
  return { inject: checkedInject(server.app) };
}

type App = Awaited<ReturnType<typeof app>>;
const auth = (key?: string) => (key ? { authorization: `Bearer ${key}` } : {});

async function create(a: App, payload: object, key?: string) {
  return a.inject({ method: 'POST', url: '/webhooks', payload, headers: auth(key) });
}

describe('/webhooks', () => {
  it('creates, reads, lists, updates and deletes an endpoint; the secret is shown once', async () => {
    const a = await app();
    const created = await create(a, { url: HOOK, events: 'all', description: 'billing' });
    expect(created.statusCode).toBe(201);
    const endpoint = created.json<WebhookEndpointWithSecret>();
    expect(created.headers.location).toBe(`/webhooks/${endpoint.id}`);
    expect(endpoint).toMatchObject({ url: HOOK, events: 'all', description: 'billing' });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).not.toHaveProperty('previousSecretExpiresAt');

    const read = await a.inject({ method: 'GET', url: `/webhooks/${endpoint.id}` });
    expect(read.statusCode).toBe(200);
    const shown: Partial<WebhookEndpointWithSecret> = { ...endpoint };
    delete shown.secret;
    expect(read.json()).toEqual(shown);
    const listed = await a.inject({ method: 'GET', url: '/webhooks' });
    expect(listed.json<WebhookEndpointPage>()).toEqual({ webhooks: [shown], nextCursor: null });

    const defaults = (await create(a, { url: `${HOOK}/2` })).json<WebhookEndpoint>();
    expect(defaults.events).toBe('terminal');
    expect(defaults).not.toHaveProperty('description');

    const patched = await a.inject({
      method: 'PATCH',
      url: `/webhooks/${endpoint.id}`,
      payload: { url: `${HOOK}/v2`, events: 'terminal', description: null },
    });
    expect(patched.statusCode).toBe(200);
    const changed = patched.json<WebhookEndpoint>();
    expect(changed).toMatchObject({ id: endpoint.id, url: `${HOOK}/v2`, events: 'terminal' });
    expect(changed).not.toHaveProperty('description');
    expect(changed).not.toHaveProperty('secret');
    expect(Date.parse(changed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(endpoint.updatedAt));

    const removed = await a.inject({ method: 'DELETE', url: `/webhooks/${endpoint.id}` });
    expect(removed.statusCode).toBe(204);
    for (const method of ['GET', 'DELETE'] as const) {
      const gone = await a.inject({ method, url: `/webhooks/${endpoint.id}` });
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toMatchObject({ code: 'webhook_endpoint_not_found' });
    }
    const left = await a.inject({ method: 'GET', url: '/webhooks' });
    expect(left.json<WebhookEndpointPage>().webhooks.map((w) => w.id)).toEqual([defaults.id]);
  });

  it('pages newest first with an opaque cursor, like /jobs and /schedules', async () => {
    const a = await app();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await create(a, { url: `${HOOK}/${i}` })).json<WebhookEndpoint>().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page: WebhookEndpointPage = (
        await a.inject({ method: 'GET', url: `/webhooks?limit=2${query}` })
      ).json();
      seen.push(...page.webhooks.map((w) => w.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const bad = await a.inject({ method: 'GET', url: '/webhooks?cursor=nope' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid_request' });
  });

  it("keeps each API key's endpoints to itself: another's is 404 webhook_endpoint_not_found", async () => {
    const a = await app({ apiKeys: `alice:${ALICE},bob:${BOB}` });
    const alices = (await create(a, { url: HOOK }, ALICE)).json<WebhookEndpointWithSecret>();
    expect(alices.owner).toBe('alice');
    await create(a, { url: `${HOOK}/bob` }, BOB);
    const requests = [
      { method: 'GET', url: `/webhooks/${alices.id}` },
      { method: 'PATCH', url: `/webhooks/${alices.id}`, payload: { events: 'all' } },
      { method: 'DELETE', url: `/webhooks/${alices.id}` },
      { method: 'POST', url: `/webhooks/${alices.id}/rotate-secret`, payload: {} },
    ] as const;
    for (const request of requests) {
      const answer = await a.inject({ ...request, headers: auth(BOB) });
      expect(answer.statusCode, `${request.method} ${request.url}`).toBe(404);
      expect(answer.json()).toMatchObject({ code: 'webhook_endpoint_not_found' });
    }
    const bobs = (
      await a.inject({ method: 'GET', url: '/webhooks', headers: auth(BOB) })
    ).json<WebhookEndpointPage>();
    expect(bobs.webhooks.map((w) => w.url)).toEqual([`${HOOK}/bob`]);
    const anonymous = await a.inject({ method: 'GET', url: '/webhooks' });
    expect(anonymous.statusCode).toBe(401);
    // Alice's endpoint is untouched by Bob's attempts.
    const still = await a.inject({
      method: 'GET',
      url: `/webhooks/${alices.id}`,
      headers: auth(ALICE),
    });
    expect(still.json()).toMatchObject({ events: 'terminal', updatedAt: alices.updatedAt });
  });

  it('refuses URLs that may not be called, at registration and on change (400 webhook_url_refused)', async () => {
    const a = await app({ webhookAllowPrivate: false });
    for (const url of [
      'http://127.0.0.1/hook',
      'http://10.1.2.3/',
      'http://[::1]/',
      'http://169.254.169.254/',
      'ftp://example.com/',
    ]) {
      const refused = await create(a, { url });
      expect(refused.statusCode, url).toBe(400);
      expect(refused.json(), url).toMatchObject({ code: 'webhook_url_refused' });
    }
    const ok = (await create(a, { url: 'http://93.184.215.14/hook' })).json<WebhookEndpoint>();
    const patched = await a.inject({
      method: 'PATCH',
      url: `/webhooks/${ok.id}`,
      payload: { url: 'http://192.168.0.1/' },
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json()).toMatchObject({ code: 'webhook_url_refused' });
    const listed = (
      await a.inject({ method: 'GET', url: '/webhooks' })
    ).json<WebhookEndpointPage>();
    expect(listed.webhooks.map((w) => w.url)).toEqual(['http://93.184.215.14/hook']);
  });

  it('rotates the secret: a new one, the old one signing on for the overlap asked', async () => {
    const a = await app();
    const endpoint = (await create(a, { url: HOOK })).json<WebhookEndpointWithSecret>();
    const before = Date.now();
    const rotated = await a.inject({
      method: 'POST',
      url: `/webhooks/${endpoint.id}/rotate-secret`,
      payload: { overlapSeconds: 3600 },
    });
    expect(rotated.statusCode).toBe(200);
    const next = rotated.json<WebhookEndpointWithSecret>();
    expect(next.secret).toMatch(/^whsec_/);
    expect(next.secret).not.toBe(endpoint.secret);
    const until = Date.parse(next.previousSecretExpiresAt ?? '');
    expect(until).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3_600_000);
    // Without a body: the default overlap, 24 h.
    const again = await a.inject({ method: 'POST', url: `/webhooks/${endpoint.id}/rotate-secret` });
    expect(again.statusCode).toBe(200);
    const third = again.json<WebhookEndpointWithSecret>();
    // The engine's clock sets the expiry, the store's the update time: the same ms or one apart.
    const overlap = Date.parse(third.previousSecretExpiresAt ?? '') - Date.parse(third.updatedAt);
    expect(Math.abs(overlap - 86_400_000)).toBeLessThan(1000);
    // Overlap 0: the old secret stops at once, so nothing is left to expire.
    const now = await a.inject({
      method: 'POST',
      url: `/webhooks/${endpoint.id}/rotate-secret`,
      payload: { overlapSeconds: 0 },
    });
    expect(now.json()).not.toHaveProperty('previousSecretExpiresAt');
    const read = await a.inject({ method: 'GET', url: `/webhooks/${endpoint.id}` });
    expect(read.json()).not.toHaveProperty('secret');
  });

  it('answers bad input with 400 and the field, and caps endpoints per key (409)', async () => {
    const a = await app();
    const cases = [
      { url: '/webhooks', method: 'POST', payload: { events: 'all' } },
      { url: '/webhooks', method: 'POST', payload: { url: HOOK, events: 'some' } },
      { url: '/webhooks', method: 'POST', payload: { url: HOOK, extra: 1 } },
      { url: '/webhooks', method: 'POST', payload: { url: HOOK, description: 'x'.repeat(501) } },
      { url: '/webhooks/not-a-uuid', method: 'GET' },
      { url: '/webhooks?limit=0', method: 'GET' },
    ] as const;
    for (const request of cases) {
      const answer = await a.inject(request);
      expect(answer.statusCode, JSON.stringify(request)).toBe(400);
    }
    const endpoint = (await create(a, { url: HOOK })).json<WebhookEndpoint>();
    for (const payload of [{}, { events: 'never' }, { url: '' }]) {
      const answer = await a.inject({ method: 'PATCH', url: `/webhooks/${endpoint.id}`, payload });
      expect(answer.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const rotate = await a.inject({
      method: 'POST',
      url: `/webhooks/${endpoint.id}/rotate-secret`,
      payload: { overlapSeconds: 8 * 86_400 },
    });
    expect(rotate.statusCode).toBe(400);
    for (let i = 1; i < 20; i++)
      expect((await create(a, { url: `${HOOK}/${i}` })).statusCode).toBe(201);
    const over = await create(a, { url: `${HOOK}/21` });
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ code: 'too_many_webhook_endpoints' });
  });
});

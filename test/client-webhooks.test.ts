/**
 * `client.webhooks` (src/client/webhooks.ts) against a server reached through app.inject(): every call, the secret
 * only on create and rotate, problems as ClientErrors with the server's stable codes, and one
 * key's endpoints invisible to another.
 */
import { describe, expect, it } from 'vitest';
import { createClient, isClientError } from '../src/client/index.js';
import { startInjectedServer } from './helpers/test-server.js';

const HOOK = 'http://127.0.0.1:9/hook';

describe('client.webhooks', () => {
  it('creates, lists, reads, updates, rotates and deletes endpoints', async () => {
    const { url } = await startInjectedServer({ webhookAllowPrivate: true });
    const client = createClient({ baseUrl: url });
    const created = await client.webhooks.create({ url: HOOK, description: 'ci' });
    expect(created).toMatchObject({ url: HOOK, events: 'terminal', description: 'ci' });
    expect(created.secret).toMatch(/^whsec_/);
    const second = await client.webhooks.create({ url: `${HOOK}/2`, events: 'all' });

    const first = await client.webhooks.list({ limit: 1 });
    expect(first.webhooks.map((w) => w.id)).toEqual([second.id]);
    expect(first.nextCursor).not.toBeNull();
    const rest = await client.webhooks.list({ limit: 1, cursor: first.nextCursor ?? '' });
    expect(rest).toMatchObject({ webhooks: [{ id: created.id }], nextCursor: null });

    const read = await client.webhooks.get(created.id);
    expect(read).toMatchObject({ id: created.id, url: HOOK });
    expect(read).not.toHaveProperty('secret');
    const updated = await client.webhooks.update(created.id, { events: 'all', description: null });
    expect(updated).toMatchObject({ events: 'all' });
    expect(updated).not.toHaveProperty('description');

    const rotated = await client.webhooks.rotateSecret(created.id, { overlapSeconds: 120 });
    expect(rotated.secret).not.toBe(created.secret);
    const overlap =
      Date.parse(rotated.previousSecretExpiresAt ?? '') - Date.parse(rotated.updatedAt);
    expect(Math.abs(overlap - 120_000)).toBeLessThan(1000);
    const byDefault = await client.webhooks.rotateSecret(created.id);
    expect(byDefault.secret).not.toBe(rotated.secret);

    await client.webhooks.delete(created.id);
    const gone = await client.webhooks.get(created.id).catch((error: unknown) => error);
    expect(isClientError(gone) && gone.status).toBe(404);
    expect(isClientError(gone) && gone.code).toBe('webhook_endpoint_not_found');
  });

  it("sees only its key's endpoints, and gets the server's codes for refused URLs", async () => {
    const { url } = await startInjectedServer({
      apiKeys: 'alice:alice-secret-0123456789,bob:bob-secret-01234567890',
    });
    const alice = createClient({ baseUrl: url, token: 'alice-secret-0123456789' });
    const bob = createClient({ baseUrl: url, token: 'bob-secret-01234567890' });
    const refused = await alice.webhooks.create({ url: HOOK }).catch((error: unknown) => error);
    expect(isClientError(refused) && refused.code).toBe('webhook_url_refused');
    const own = await alice.webhooks.create({ url: 'http://93.184.215.14/hook' });
    expect((await bob.webhooks.list()).webhooks).toEqual([]);
    const hidden = await bob.webhooks.delete(own.id).catch((error: unknown) => error);
    expect(isClientError(hidden) && hidden.code).toBe('webhook_endpoint_not_found');
    expect((await alice.webhooks.list()).webhooks.map((w) => w.id)).toEqual([own.id]);
  });
});

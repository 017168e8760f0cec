/**
 * Registered webhook endpoints (src/store/webhook-endpoints.ts) as every store that keeps a
 * webhook outbox must keep them: CRUD per owner with pages, secret rotation, and the outbox's
 * fan-out — each event of a job recorded for every endpoint its owner has at that moment
 * (events matching), claimed with the endpoint's current keys, and none once it is deleted.
 * sqlite-store.test.ts and redis-store.test.ts call it with their fresh-store factories.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Store } from '../src/store/store.js';
import type { WebhookEndpointStore } from '../src/store/webhook-endpoints.js';
import type { WebhookOutbox } from '../src/store/webhook-outbox.js';

const SECRET_1 = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SECRET_2 = 'whsec_Q2Fyb2wgd2FzIGhlcmUgYW5kIHNoZSBsZWZ0';
const URL_A = 'https://a.example/hook';
const URL_B = 'https://b.example/hook';
const URL_OWN = 'https://own.example/hook';
const LEASE = 30_000;

export function webhookEndpointConformance(
  name: string,
  makeStore: () => Promise<Store> | Store,
): void {
  describe(`${name} webhook endpoint conformance`, () => {
    async function fresh(): Promise<{
      store: Store;
      endpoints: WebhookEndpointStore;
      outbox: WebhookOutbox;
    }> {
      const store = await makeStore();
      onTestFinished(() => store.close());
      if (!store.webhookEndpoints || !store.webhooks) {
        throw new Error(`the ${name} store keeps no webhook endpoints`);
      }
      return { store, endpoints: store.webhookEndpoints, outbox: store.webhooks };
    }

    it('creates, reads, updates and deletes endpoints, each owner seeing its own', async () => {
      const { endpoints } = await fresh();
      const a = await endpoints.createEndpoint({
        url: URL_A,
        events: 'all',
        description: 'billing',
        owner: 'alice',
        secret: SECRET_1,
      });
      expect(a).toMatchObject({
        url: URL_A,
        events: 'all',
        description: 'billing',
        owner: 'alice',
      });
      expect(a.secret).toBe(SECRET_1);
      expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.createdAt).toBe(a.updatedAt);
      expect(await endpoints.getEndpoint(a.id)).toEqual(a);
      const b = await endpoints.createEndpoint({
        url: URL_B,
        events: 'terminal',
        secret: SECRET_2,
      });
      expect(b).not.toHaveProperty('owner');
      expect(b).not.toHaveProperty('description');

      const alices = await endpoints.listEndpoints({ owner: 'alice', limit: 10 });
      expect(alices.webhooks.map((w) => w.id)).toEqual([a.id]);
      expect(alices.webhooks[0]).not.toHaveProperty('secret');
      expect((await endpoints.listEndpoints({ limit: 10 })).webhooks.map((w) => w.id)).toEqual([
        b.id,
      ]);
      expect((await endpoints.listEndpoints({ owner: 'bob', limit: 10 })).webhooks).toEqual([]);

      const changed = await endpoints.updateEndpoint(a.id, {
        events: 'terminal',
        description: null,
      });
      expect(changed).toMatchObject({ id: a.id, url: URL_A, events: 'terminal', secret: SECRET_1 });
      expect(changed).not.toHaveProperty('description');
      const moved = await endpoints.updateEndpoint(a.id, { url: URL_B, description: 'moved' });
      expect(moved).toMatchObject({ url: URL_B, events: 'terminal', description: 'moved' });
      expect(await endpoints.updateEndpoint('00000000-0000-4000-8000-000000000000', {})).toBe(
        undefined,
      );

      expect(await endpoints.deleteEndpoint(a.id)).toBe(true);
      expect(await endpoints.deleteEndpoint(a.id)).toBe(false);
      expect(await endpoints.getEndpoint(a.id)).toBeUndefined();
      expect((await endpoints.listEndpoints({ owner: 'alice', limit: 10 })).webhooks).toEqual([]);
    });

    it('lists newest first in pages', async () => {
      const { endpoints } = await fresh();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const e = await endpoints.createEndpoint({
          url: `${URL_A}/${i}`,
          events: 'terminal',
          owner: 'alice',
          secret: SECRET_1,
        });
        ids.push(e.id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 1; ; pages++) {
        const page = await endpoints.listEndpoints({ owner: 'alice', limit: 2, cursor });
        seen.push(...page.webhooks.map((w) => w.id));
        if (page.nextCursor === null) {
          expect(pages).toBe(3);
          break;
        }
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(ids.reverse());
    });

    it('rotates: the new secret, the old one with its end, or none when no overlap', async () => {
      const { endpoints } = await fresh();
      const e = await endpoints.createEndpoint({ url: URL_A, events: 'all', secret: SECRET_1 });
      const until = Date.now() + 60_000;
      const rotated = await endpoints.rotateEndpointSecret(e.id, {
        secret: SECRET_2,
        previousUntil: until,
      });
      expect(rotated).toMatchObject({
        secret: SECRET_2,
        previousSecretExpiresAt: new Date(until).toISOString(),
      });
      const again = await endpoints.rotateEndpointSecret(e.id, {
        secret: SECRET_1,
        previousUntil: 0,
      });
      expect(again?.secret).toBe(SECRET_1);
      expect(again).not.toHaveProperty('previousSecretExpiresAt');
      expect(
        await endpoints.rotateEndpointSecret('00000000-0000-4000-8000-000000000000', {
          secret: SECRET_2,
          previousUntil: 0,
        }),
      ).toBeUndefined();
    });

    it("records each event for the owner's endpoints as they are then, claimed with their keys", async () => {
      const { store, endpoints, outbox } = await fresh();
      const all = await endpoints.createEndpoint({
        url: URL_A,
        events: 'all',
        owner: 'alice',
        secret: SECRET_1,
      });
      const terminal = await endpoints.createEndpoint({
        url: URL_B,
        events: 'terminal',
        owner: 'alice',
        secret: SECRET_2,
      });
      await endpoints.createEndpoint({ url: URL_B, events: 'all', owner: 'bob', secret: SECRET_2 });
      await endpoints.createEndpoint({ url: URL_B, events: 'all', secret: SECRET_2 });

      const { job } = await store.create({
        type: 't',
        input: {},
        owner: 'alice',
        webhooks: [{ url: URL_OWN, events: 'terminal' }],
      });
      await store.update(job.id, { kind: 'started' });
      await store.update(job.id, { kind: 'succeeded', result: 1 });
      const deliveries = await outbox.forJob(job.id);
      const of = (url: string) => deliveries.filter((d) => d.url === url).map((d) => d.kind);
      expect(of(URL_A)).toEqual(['queued', 'started', 'succeeded']);
      expect(of(URL_B)).toEqual(['succeeded']);
      expect(of(URL_OWN)).toEqual(['succeeded']);
      expect(deliveries.filter((d) => d.url === URL_A).every((d) => d.endpointId === all.id)).toBe(
        true,
      );
      expect(deliveries.find((d) => d.url === URL_B)?.endpointId).toBe(terminal.id);
      expect(deliveries.find((d) => d.url === URL_OWN)).not.toHaveProperty('endpointId');

      // Claimed with the keys the endpoint has at claim time (a rotation signs retries too).
      const until = Date.now() + 60_000;
      await endpoints.rotateEndpointSecret(terminal.id, { secret: SECRET_1, previousUntil: until });
      const claimed = await outbox.claimDue(Date.now() + 1000, 10, LEASE);
      // One per URL: per job and URL, a delivery waits for the earlier ones.
      expect(claimed).toHaveLength(3);
      const byUrl = (url: string) => claimed.filter((d) => d.url === url);
      expect(byUrl(URL_OWN)[0]).not.toHaveProperty('endpoint');
      expect(byUrl(URL_A)[0]?.endpoint).toEqual({ id: all.id, keys: { secret: SECRET_1 } });
      expect(byUrl(URL_B)[0]?.endpoint).toEqual({
        id: terminal.id,
        keys: { secret: SECRET_1, previousSecret: SECRET_2, previousUntil: until },
      });
    });

    it('records nothing for an endpoint once deleted; its pending deliveries claim without keys', async () => {
      const { store, endpoints, outbox } = await fresh();
      const e = await endpoints.createEndpoint({ url: URL_A, events: 'all', secret: SECRET_1 });
      const { job } = await store.create({ type: 't', input: {} });
      expect((await outbox.forJob(job.id)).map((d) => d.kind)).toEqual(['queued']);
      expect(await endpoints.deleteEndpoint(e.id)).toBe(true);
      await store.update(job.id, { kind: 'started' });
      expect((await outbox.forJob(job.id)).map((d) => d.kind)).toEqual(['queued']);
      const [claimed] = await outbox.claimDue(Date.now() + 1000, 10, LEASE);
      expect(claimed?.endpoint).toEqual({ id: e.id });
      // A job created later is reported to nobody.
      const { job: later } = await store.create({ type: 't', input: {} });
      expect(await outbox.forJob(later.id)).toEqual([]);
    });
  });
}

/**
 * Per-endpoint secrets on the delivery loop (src/transports/webhooks.ts), driven by hand on a
 * fake clock with a real receiver on loopback, on each store: a rotation signs with both
 * secrets for exactly its overlap and with the new one after, retries recorded before it are
 * signed the new way, and a deleted endpoint's pending delivery ends dead without a call.
 * Signatures are checked with node:crypto (demos/webhooks/verify-signature.ts).
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startReceiver, type Answer, type Received } from '../demos/webhooks/receiver.js';
import { verifySignature } from '../demos/webhooks/verify-signature.js';
import { JobEngine } from '../src/jobs/engine.js';
import { JobTypeRegistry } from '../src/jobs/registry.js';
import { builtInJobTypes } from '../src/jobs/types/built-in.js';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { WebhookDelivery } from '../src/transports/webhooks.js';
import { newWebhookSecret } from '../src/jobs/webhook-secret.js';
import { redisAvailable } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { tempDir } from './helpers/temp-dir.js';
import { webhookTestOptions } from './helpers/webhook-test-options.js';

const BACKOFF_MS = 10_000;

async function setup(makeStore: () => Promise<Store> | Store, respond?: (n: number) => Answer) {
  const store = await makeStore();
  onTestFinished(() => store.close());
  // The fake clock starts a second after now: events (and so deliveries) carry real time.
  const clock = { now: Date.now() + 1000 };
  const engine = new JobEngine(
    store,
    new JobTypeRegistry(builtInJobTypes(tempDir())),
    undefined,
    undefined,
    () => clock.now,
  );
  const endpoints = engine.webhookEndpoints;
  const queue = engine.webhookQueue;
  if (!endpoints || !queue) throw new Error('the store keeps webhook endpoints');
  const delivery = new WebhookDelivery(
    webhookTestOptions([newWebhookSecret()], {
      retryWindowMs: 3_600_000,
      backoff: { type: 'fixed', delayMs: BACKOFF_MS },
    }),
    { queue, logger: pino({ level: 'silent' }), now: () => clock.now, random: () => 0.5 },
  );
  onTestFinished(() => delivery.close(0));
  // The receiver accepts any secret the test hands out; which one signed is checked below.
  const secrets: string[] = [];
  const receiver = await startReceiver({ secrets, respond: respond ?? (() => 200) });
  onTestFinished(() => receiver.close());
  const finishedJob = async (): Promise<string> => {
    const { job } = await engine.submit({ type: 'demo' });
    await store.update(job.id, { kind: 'started' });
    await store.update(job.id, { kind: 'succeeded', result: { ok: true } });
    return job.id;
  };
  const tickAt = async (at: number) => {
    clock.now = at;
    await delivery.tick();
    await delivery.idle();
  };
  /** Which of `secrets` each signature in the request verifies with, checked one by one. */
  const signedWith = (request: Received | undefined, secrets: Record<string, string>) =>
    Object.entries(secrets)
      .filter(
        ([, secret]) =>
          verifySignature(
            [secret],
            request?.headers ?? {},
            request?.body ?? '',
            Math.floor(clock.now / 1000),
          ).ok,
      )
      .map(([name]) => name);
  const signatures = (request: Received | undefined) =>
    String(request?.headers['webhook-signature']).split(' ');
  return {
    store,
    engine,
    endpoints,
    secrets,
    receiver,
    clock,
    finishedJob,
    tickAt,
    signedWith,
    signatures,
  };
}

function rotationOnFakeClock(name: string, makeStore: () => Promise<Store> | Store): void {
  describe(`per-endpoint secrets on a fake clock (${name})`, () => {
    it('signs with both secrets for the overlap, then with the new one alone', async () => {
      const t = await setup(makeStore);
      const endpoint = await t.endpoints.create({ url: t.receiver.url });
      t.secrets.push(endpoint.secret);
      const first = endpoint.secret;
      await t.finishedJob();
      const t0 = t.clock.now;
      await t.tickAt(t0);
      expect(t.receiver.requests).toHaveLength(1);
      expect(t.signedWith(t.receiver.requests[0], { first })).toEqual(['first']);
      expect(t.signatures(t.receiver.requests[0])).toHaveLength(1);

      const rotated = await t.endpoints.rotateSecret(endpoint.id, 60);
      const second = rotated.secret;
      t.secrets.push(second);
      expect(second).not.toBe(first);
      expect(Date.parse(rotated.previousSecretExpiresAt ?? '')).toBe(t0 + 60_000);
      await t.finishedJob();
      await t.tickAt(t0 + 59_000);
      const during = t.receiver.requests[1];
      expect(t.signatures(during)).toHaveLength(2);
      expect(t.signedWith(during, { first, second })).toEqual(['first', 'second']);

      await t.finishedJob();
      await t.tickAt(t0 + 60_000);
      const after = t.receiver.requests[2];
      expect(t.signatures(after)).toHaveLength(1);
      expect(t.signedWith(after, { first, second })).toEqual(['second']);
      expect(t.receiver.requests.map((r) => r.answer)).toEqual([200, 200, 200]);
    });

    it('signs the retry of a delivery recorded before a rotation with the new secret', async () => {
      const t = await setup(makeStore, (n) => (n === 1 ? 500 : 200));
      const endpoint = await t.endpoints.create({ url: t.receiver.url });
      t.secrets.push(endpoint.secret);
      const jobId = await t.finishedJob();
      const t0 = t.clock.now;
      await t.tickAt(t0);
      const second = (await t.endpoints.rotateSecret(endpoint.id, 0)).secret;
      t.secrets.push(second);
      await t.tickAt(t0 + BACKOFF_MS);
      expect(t.receiver.requests.map((r) => r.answer)).toEqual([500, 200]);
      const [failed, retried] = t.receiver.requests;
      expect(retried?.headers['webhook-id']).toBe(failed?.headers['webhook-id']);
      expect(t.signedWith(failed, { first: endpoint.secret, second })).toEqual(['first']);
      expect(t.signedWith(retried, { first: endpoint.secret, second })).toEqual(['second']);
      const [delivery] = await t.engine.deliveries(jobId);
      expect(delivery).toMatchObject({ endpointId: endpoint.id, state: 'delivered' });
    });

    it("ends a deleted endpoint's pending delivery dead, without calling it", async () => {
      const t = await setup(makeStore);
      const endpoint = await t.endpoints.create({ url: t.receiver.url });
      t.secrets.push(endpoint.secret);
      const jobId = await t.finishedJob();
      await t.endpoints.delete(endpoint.id);
      await t.tickAt(t.clock.now);
      expect(t.receiver.requests).toEqual([]);
      const [delivery] = await t.engine.deliveries(jobId);
      expect(delivery).toMatchObject({
        endpointId: endpoint.id,
        state: 'dead',
        attempts: [{ attempt: 1, error: 'the webhook endpoint was deleted' }],
      });
      expect(delivery?.attempts[0]).not.toHaveProperty('statusCode');
    });
  });
}

rotationOnFakeClock('sqlite', () => new SqliteStore({ path: ':memory:' }));

describe.skipIf(!redisAvailable)('in Redis mode', () => {
  const redis = redisForSuite();
  rotationOnFakeClock('redis', () =>
    RedisStore.open({ url: redis().url, prefix: `t${randomUUID().slice(0, 8)}:` }),
  );
});

/**
 * The delivery loop (src/transports/webhooks.ts) driven by hand on a fake clock: a real store
 * (SQLite, and Redis when redis-server is installed), a real receiver on loopback, and
 * `tick()` at the moments the backoff says, so retry timing is exact and nothing sleeps. The real-time behaviour is in test/webhooks.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startReceiver, type Answer, type Receiver } from '../demos/webhooks/receiver.js';
import { JobEngine } from '../src/jobs/engine.js';
import { JobTypeRegistry } from '../src/jobs/registry.js';
import { builtInJobTypes } from '../src/jobs/types/built-in.js';
import { backoffDelay } from '../src/model/backoff.js';
import type { Delivery } from '../src/model/webhook.js';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { WebhookDelivery } from '../src/transports/webhooks.js';
import type { WebhookOptions } from '../src/transports/webhooks/options.js';
import { newWebhookSecret } from '../src/jobs/webhook-secret.js';
import { delegatingStore } from './helpers/delegating-store.js';
import { redisAvailable } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';
import { tempDir } from './helpers/temp-dir.js';
import { webhookTestOptions } from './helpers/webhook-test-options.js';

const SECRET = newWebhookSecret();

function options(overrides: Partial<WebhookOptions> = {}): WebhookOptions {
  return webhookTestOptions([SECRET], overrides);
}

/** The store under test: SQLite's, or Redis's in the Redis block below. */
type MakeStore = () => Promise<Store> | Store;

async function setup(makeStore: MakeStore, overrides: Partial<WebhookOptions> = {}) {
  const store = await makeStore();
  onTestFinished(() => store.close());
  const engine = new JobEngine(store, new JobTypeRegistry(builtInJobTypes(tempDir())));
  // The fake clock starts a second after now: the events (and so the deliveries) carry real time.
  const T0 = Date.now() + 1000;
  const clock = { now: T0 };
  const queue = engine.webhookQueue;
  if (!queue) throw new Error('the store keeps a webhook outbox');
  const delivery = new WebhookDelivery(options(overrides), {
    queue,
    logger: pino({ level: 'silent' }),
    now: () => clock.now,
    random: () => 0.5,
  });
  onTestFinished(() => delivery.close(0));
  /** A job that asked for a webhook to `url`, finished (so its terminal delivery is due). */
  const finishedJob = async (url: string): Promise<string> => {
    const { job } = await engine.submit({ type: 'demo', webhooks: [{ url, events: 'terminal' }] });
    await store.update(job.id, { kind: 'started' });
    await store.update(job.id, { kind: 'succeeded', result: { ok: true } });
    return job.id;
  };
  /** One pass of the loop at the fake time, waiting for its attempts to be recorded. */
  const tickAt = async (at: number) => {
    clock.now = at;
    await delivery.tick();
    await delivery.idle();
  };
  const deliveries = async (jobId: string): Promise<Delivery[]> => engine.deliveries(jobId);
  return { store, engine, delivery, clock, T0, finishedJob, tickAt, deliveries };
}

async function receiver(respond: (n: number) => Answer): Promise<Receiver> {
  const started = await startReceiver({ secrets: [SECRET], respond });
  onTestFinished(() => started.close());
  return started;
}

/** Every case about the outbox and the loop, run on each store that keeps an outbox. */
function deliveryOnFakeClock(name: string, makeStore: MakeStore): void {
  describe(`webhook delivery on a fake clock (${name})`, () => {
    it('retries with exponential backoff and jitter (src/model/backoff.ts) under the same webhook-id until a 2xx', async () => {
      const hooks = await receiver((n) => (n <= 3 ? 500 : 200));
      const { T0, finishedJob, tickAt, deliveries } = await setup(makeStore);
      const jobId = await finishedJob(hooks.url);
      const policy = options().backoff;
      const created = Date.parse((await deliveries(jobId))[0]?.createdAt ?? '');
      let at = Math.max(T0, created);
      for (let retry = 1; retry <= 3; retry++) {
        await tickAt(at);
        const [pending] = await deliveries(jobId);
        const expected = at + backoffDelay(policy, retry, () => 0.5);
        expect(pending?.state).toBe('pending');
        expect(Date.parse(pending?.nextAttemptAt ?? '')).toBe(expected);
        // One millisecond early: nothing is due, nothing is sent.
        await tickAt(expected - 1);
        expect(hooks.requests).toHaveLength(retry);
        at = expected;
      }
      await tickAt(at);
      const [done] = await deliveries(jobId);
      expect(done?.state).toBe('delivered');
      expect(done?.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);
      expect(done?.attempts.map((a) => a.error)).toEqual([
        'HTTP 500',
        'HTTP 500',
        'HTTP 500',
        undefined,
      ]);
      // 10 s, 20 s, 40 s scaled by the jitter's 0.75 (random 0.5 with jitter 0.5).
      expect(backoffDelay(policy, 3, () => 0.5)).toBe(30_000);
      const ids = new Set(hooks.requests.map((r) => r.id));
      expect(ids.size).toBe(1);
      expect([...ids][0]).toBe(done?.id);
      expect(new Set(hooks.requests.map((r) => r.body)).size).toBe(1); // the same body each time
      expect(hooks.processed.size).toBe(1);
    });

    it('is dead once the retry window closes, and a redelivery sends it again with the same id', async () => {
      const hooks = await receiver((n) => (n <= 2 ? 503 : 200));
      const { T0, engine, finishedJob, tickAt, deliveries } = await setup(makeStore, {
        retryWindowMs: 15_000,
      });
      const jobId = await finishedJob(hooks.url);
      await tickAt(T0); // 1st attempt; retry in 7.5 s, inside the window
      const [first] = await deliveries(jobId);
      await tickAt(Date.parse(first?.nextAttemptAt ?? '')); // 2nd; the next (15 s later) is past it
      const [dead] = await deliveries(jobId);
      expect(dead?.state).toBe('dead');
      expect(dead?.attempts).toHaveLength(2);
      await tickAt(T0 + 3_600_000);
      expect(hooks.requests).toHaveLength(2); // dead means no more attempts

      await expect(engine.redeliver(jobId, 'msg_nope')).rejects.toMatchObject({
        code: 'delivery_not_found',
      });
      await engine.redeliver(jobId, dead?.id ?? '');
      await tickAt(Date.now() + 1);
      const [again] = await deliveries(jobId);
      expect(again?.state).toBe('delivered');
      expect(hooks.requests.map((r) => r.id)).toEqual([dead?.id, dead?.id, dead?.id]);
      await expect(engine.redeliver(jobId, dead?.id ?? '')).rejects.toMatchObject({
        code: 'delivery_not_dead',
      });
    });

    it('gives up on a receiver that never answers after the response timeout, and retries it', async () => {
      const hooks = await receiver((n) => (n === 1 ? 'hang' : 200));
      const { T0, finishedJob, tickAt, deliveries } = await setup(makeStore, {
        responseTimeoutMs: 300,
      });
      const jobId = await finishedJob(hooks.url);
      const started = performance.now();
      await tickAt(T0 + 60_000);
      const waited = performance.now() - started;
      const [pending] = await deliveries(jobId);
      expect(pending?.state).toBe('pending');
      expect(pending?.attempts[0]).toMatchObject({
        error: 'no complete response within 300 ms',
      });
      expect(pending?.attempts[0]?.statusCode).toBeUndefined();
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(10_000);
      await tickAt(Date.parse(pending?.nextAttemptAt ?? ''));
      expect((await deliveries(jobId))[0]?.state).toBe('delivered');
    });

    it('pauses an endpoint that keeps failing without holding back another endpoint', async () => {
      const failing = await receiver(() => 500);
      const healthy = await receiver(() => 200);
      const { T0, finishedJob, tickAt, deliveries } = await setup(makeStore, {
        breaker: { threshold: 2, cooldownMs: 600_000, maxCooldownMs: 600_000 },
        perEndpointConcurrency: 1,
      });
      const bad = [];
      for (let i = 0; i < 6; i++) bad.push(await finishedJob(failing.url));
      const good = [];
      for (let i = 0; i < 3; i++) good.push(await finishedJob(healthy.url));
      // Several passes a little apart: the failing endpoint takes two attempts and is paused.
      for (let step = 0; step < 8; step++) await tickAt(T0 + step * 300);
      expect(failing.requests).toHaveLength(2);
      for (const id of good) expect((await deliveries(id))[0]?.state).toBe('delivered');
      const attempts = await Promise.all(
        bad.map(async (id) => (await deliveries(id))[0]?.attempts),
      );
      expect(attempts.flat()).toHaveLength(2); // the paused ones took no attempt
      expect(healthy.processed.size).toBe(3);
    });

    it('keeps at most perEndpointConcurrency attempts in flight to one endpoint', async () => {
      // A receiver that answers each request 50 ms late and counts how many it holds at once.
      let open = 0;
      let peak = 0;
      let answered = 0;
      const slow = createServer((request, response) => {
        peak = Math.max(peak, ++open);
        request.resume();
        setTimeout(() => {
          open--;
          answered++;
          response.writeHead(204).end();
        }, 50);
      });
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
      onTestFinished(
        () =>
          new Promise<void>((resolve) =>
            slow.close(() => {
              resolve();
            }),
          ),
      );
      const { port } = slow.address() as AddressInfo;
      const { T0, finishedJob, tickAt } = await setup(makeStore, { perEndpointConcurrency: 2 });
      for (let i = 0; i < 6; i++) await finishedJob(`http://127.0.0.1:${port}/hooks`);
      for (let step = 0; step < 6; step++) await tickAt(T0 + step * 1000);
      expect(answered).toBe(6);
      expect(peak).toBe(2);
    });
  });
}

deliveryOnFakeClock('sqlite', () => new SqliteStore({ path: ':memory:' }));

describe.skipIf(!redisAvailable)('in Redis mode', () => {
  const redis = redisForSuite();
  deliveryOnFakeClock('redis', () =>
    RedisStore.open({ url: redis().url, prefix: `t${randomUUID().slice(0, 8)}:` }),
  );
});

describe('a store without an outbox', () => {
  it('refuses a submit that asks for a webhook', async () => {
    const sqlite = new SqliteStore({ path: ':memory:' });
    onTestFinished(() => sqlite.close());
    // The same store with its outbox taken away: what a store without one looks like.
    const engine = new JobEngine(
      delegatingStore(sqlite, { webhooks: undefined }),
      new JobTypeRegistry(builtInJobTypes(tempDir())),
    );
    expect(engine.webhookQueue).toBeUndefined();
    await expect(
      engine.submit({ type: 'demo', webhooks: [{ url: 'https://example.com/', events: 'all' }] }),
    ).rejects.toMatchObject({ code: 'webhooks_unsupported' });
    expect((await engine.list({ limit: 5 })).jobs).toHaveLength(0);
  });
});

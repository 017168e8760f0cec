/**
 * Webhooks in Redis mode across processes: two gateways and a worker on one redis-server all
 * deliver from the one outbox in Redis, to a real receiver on loopback that checks every signature with
 * node:crypto (demos/webhooks/verify-signature.ts). Each delivery reaches the receiver exactly
 * once in the normal case (deduplication by webhook-id finds nothing to drop), a retried one is
 * attempted by one process at a time, and both gateways take part.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { verifySignature } from '../../demos/webhooks/verify-signature.js';
import type { Job } from '../../src/model/job.js';
import type { Delivery } from '../../src/model/webhook.js';
import { newWebhookSecret } from '../../src/jobs/webhook-secret.js';
import { json, postJson } from '../helpers/http.js';
import { redisAvailable } from '../helpers/redis-server.js';
import { redisForSuite } from '../helpers/redis-suite.js';
import { spawnServer, spawnWorker, type SpawnedProcess } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const SECRET = newWebhookSecret();
/** How long the receiver takes to answer: attempts overlap, so both gateways get some. */
const ANSWER_MS = 25;

interface Hit {
  id: string;
  status: number;
}

/**
 * Failures the flaky receiver hands out in all. The circuit breaker is per process
 * (docs/webhooks.md) and pauses an endpoint for 30 s after 5 failures in a row; fewer than 5
 * failures in all means no process can see 5 in a row, however the attempts fall.
 */
const FAILURES = 4;

/**
 * A receiver that answers 200, except to the first request of each of the first `failures`
 * webhook-ids it sees: 500, then 200 to the retry (its own origin: its failures pause no other
 * endpoint). Tracks how many requests of one id are in flight at once.
 */
async function receiver(failures: number) {
  const hits: Hit[] = [];
  const inFlight = new Map<string, number>();
  let overlapping = 0;
  let badSignatures = 0;
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = String(request.headers['webhook-id'] ?? '');
      const body = Buffer.concat(chunks).toString('utf8');
      if (!verifySignature([SECRET], request.headers, body).ok) badSignatures++;
      const now = (inFlight.get(id) ?? 0) + 1;
      inFlight.set(id, now);
      if (now > 1) overlapping++;
      const firstTime = !hits.some((h) => h.id === id);
      const failedSoFar = new Set(hits.filter((h) => h.status === 500).map((h) => h.id)).size;
      const status = firstTime && failedSoFar < failures ? 500 : 200;
      hits.push({ id, status });
      setTimeout(() => {
        inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
        response.writeHead(status).end();
      }, ANSWER_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    overlapping: () => overlapping,
    badSignatures: () => badSignatures,
  };
}

/** The webhook-ids each gateway attempted, from its debug log (one line per attempt). */
function attemptsBy(server: SpawnedProcess): string[] {
  return server.lines
    .filter((line) => line.includes('"event":"webhook-attempt"'))
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

describe.skipIf(!redisAvailable)('webhooks from two gateways on one Redis', () => {
  const redis = redisForSuite();

  it('delivers each of N changes exactly once, a retried one by one process at a time', async () => {
    const hooks = await receiver(0);
    const flakyHooks = await receiver(FAILURES);
    const common = [
      '--redis',
      redis().url,
      '--webhook-secret',
      SECRET,
      '--webhook-allow-private',
      'true',
      '--webhook-retry-delay',
      '200ms',
      '--log-level',
      'debug',
    ];
    const [a, b, worker] = await Promise.all([
      spawnServer([...common, '--data-dir', tempDir()], 60_000),
      spawnServer([...common, '--data-dir', tempDir()], 60_000),
      spawnWorker([...common, '--data-dir', tempDir()], 60_000),
    ]);
    const started = performance.now();
    const submit = async (i: number, url: string, events: 'terminal' | 'all') => {
      const gateway = i % 2 === 0 ? a : b;
      const response = await postJson(`${gateway.url}/jobs`, {
        type: 'demo',
        input: { stepMs: 10 },
        webhook: { url, events },
      });
      expect(response.status).toBe(202);
      return (await json<Job>(response)).id;
    };
    const N = 40;
    const plain = await Promise.all(
      Array.from({ length: N }, (_, i) => submit(i, hooks.url, 'terminal')),
    );
    const flaky = await Promise.all([
      submit(0, flakyHooks.url, 'all'),
      ...Array.from({ length: 2 }, (_, i) => submit(i + 1, flakyHooks.url, 'terminal')),
    ]);
    const deliveriesOf = async (id: string) =>
      (await json<{ deliveries: Delivery[] }>(await fetch(`${b.url}/jobs/${id}/deliveries`)))
        .deliveries;
    const everyDelivery = async () =>
      (await Promise.all([...plain, ...flaky].map(deliveriesOf))).flat();
    await expect
      .poll(
        async () => {
          const all = await everyDelivery();
          return all.length > 0 && all.every((d) => d.state === 'delivered');
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
    const seconds = (performance.now() - started) / 1000;
    const all = await everyDelivery();
    const okDeliveries = all.filter((d) => d.url === hooks.url);
    const flakyDeliveries = all.filter((d) => d.url === flakyHooks.url);
    expect(okDeliveries).toHaveLength(N); // one terminal delivery per job
    const everyEvent = flakyDeliveries.filter((d) => d.jobId === flaky[0]);
    expect(everyEvent.map((d) => d.seq)).toEqual(everyEvent.map((_, i) => i + 1));
    expect(flakyDeliveries).toHaveLength(everyEvent.length + 2);

    // Exactly once: every delivery's id arrived once, nothing else arrived.
    expect(hooks.hits.map((h) => h.id).toSorted()).toEqual(
      okDeliveries.map((d) => d.id).toSorted(),
    );
    for (const d of okDeliveries) expect(d.attempts.map((x) => x.statusCode)).toEqual([200]);
    // Retried: the first FAILURES deliveries to reach the flaky receiver took two attempts (500,
    // then 200), the rest one; never two at once, recorded in order.
    const retried = flakyDeliveries.filter((d) => d.attempts.length === 2);
    expect(retried).toHaveLength(FAILURES);
    for (const d of flakyDeliveries) {
      const statuses = d.attempts.length === 2 ? [500, 200] : [200];
      expect(flakyHooks.hits.filter((h) => h.id === d.id).map((h) => h.status)).toEqual(statuses);
      expect(d.attempts.map((x) => [x.attempt, x.statusCode])).toEqual(
        statuses.map((status, i) => [i + 1, status]),
      );
    }
    expect(flakyHooks.hits).toHaveLength(flakyDeliveries.length + FAILURES);
    expect(hooks.overlapping() + flakyHooks.overlapping()).toBe(0);
    expect(hooks.badSignatures() + flakyHooks.badSignatures()).toBe(0);
    // Per job and URL in order: the job's events reached the receiver by seq, each one only
    // after the one before it was delivered.
    const firstSeen = everyEvent.map((d) => flakyHooks.hits.findIndex((h) => h.id === d.id));
    expect(firstSeen).toEqual(firstSeen.toSorted((x, y) => x - y));

    // Each attempt was made by one process (the worker delivers too); both gateways delivered.
    const byA = attemptsBy(a);
    const byB = attemptsBy(b);
    const byWorker = attemptsBy(worker);
    expect(byA.length + byB.length + byWorker.length).toBe(
      hooks.hits.length + flakyHooks.hits.length,
    );
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    console.log(
      `multi-node webhooks: ${all.length} deliveries (${N} once, ${flakyDeliveries.length} to the flaky receiver, ${FAILURES} of them retried), ` +
        `${hooks.hits.length + flakyHooks.hits.length} requests, 0 duplicates, 0 overlapping; ` +
        `gateway A ${byA.length} attempts, B ${byB.length}, worker ${byWorker.length}; all delivered in ${seconds.toFixed(1)} s`,
    );
  }, 60_000);
});

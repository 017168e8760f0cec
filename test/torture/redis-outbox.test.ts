/**
 * Case 14 — store and queue agree (Redis mode). A gateway (its own Redis user) and a worker on
 * one redis-server with AOF. Two faults per trial, each during a submit storm on the gateway:
 * - the enqueue fails while storing works: the gateway's Redis user is denied BullMQ's keys
 *   (`ACL SETUSER … resetkeys ~bp:[^b]*`) for a second, so submits are answered `503 "stored
 *   but could not be queued"`;
 * - the gateway is killed with SIGKILL at a random moment, some jobs stored and not enqueued.
 * What must hold: every job in the store — acknowledged or not — runs to its end within a bound
 * after its fault, with no restart and no further submit (the outbox reconciler of the worker
 * re-enqueues them), and none is left `queued`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { postJson } from '../helpers/http.js';
import { redisAvailable, redisSkipReason, startRedis, stopRedis } from '../helpers/redis-server.js';
import { spawnServer, spawnWorker } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { count, figure } from './helpers/figures.js';
import { seededRandom } from './helpers/random.js';
import { sized } from './helpers/size.js';

const TRIALS = sized(5, 2);
/** Reconciler grace 2 s + interval 1 s, and the time to run the backlog, with margin. */
const BOUND_MS = 15_000;

interface Tally {
  storedNotQueued503: number;
  storedNotQueuedAtKill: number;
  acknowledged: number;
  /** Longest time from a fault's end until no job was queued or running. */
  settledMs: number[];
}

describe.skipIf(!redisAvailable)('torture 14: store and queue agree', () => {
  it(`${TRIALS} trials of a failing enqueue and of a gateway killed mid-storm: every stored job runs within ${BOUND_MS / 1000} s`, async () => {
    const random = seededRandom();
    const tally: Tally = {
      storedNotQueued503: 0,
      storedNotQueuedAtKill: 0,
      acknowledged: 0,
      settledMs: [],
    };
    for (let trial = 0; trial < TRIALS; trial++) await outboxTrial(tally, random.int(200, 1200));
    figure(
      `store and queue agree: ${TRIALS} trials; ${count(tally.storedNotQueued503)} submits answered ` +
        `503 "stored but could not be queued" while BullMQ's keys were denied to the gateway for 1 s, ` +
        `and ${tally.storedNotQueuedAtKill} jobs stored but not in BullMQ when the gateway was ` +
        `killed; all of them and ${count(tally.acknowledged)} acknowledged jobs ran to their end, ` +
        `at most ${Math.round(Math.max(...tally.settledMs))} ms after the fault (bound ${BOUND_MS} ms), ` +
        `0 left queued (seed ${random.seed})`,
    );
    expect(tally.storedNotQueued503).toBeGreaterThan(0);
  });
});

if (!redisAvailable)
  it.skip(`torture 14: store and queue agree (skipped): ${redisSkipReason}`, () => undefined);

async function outboxTrial(tally: Tally, killAfterMs: number): Promise<void> {
  const redis = await startRedis({ appendOnly: true });
  const admin = new Redis(redis.url);
  try {
    await admin.acl('SETUSER', 'gateway', 'on', '>gateway-secret', '~*', '&*', '+@all');
    const gatewayUrl = redis.url.replace('redis://', 'redis://gateway:gateway-secret@');
    const dataDir = tempDir();
    const [gateway] = await Promise.all([
      spawnServer(['--redis', gatewayUrl, '--run-jobs', 'false', '--data-dir', dataDir]),
      spawnWorker(['--redis', redis.url, '--concurrency', '32', '--data-dir', dataDir]),
    ]);

    // Fault 1: the enqueue fails, the store works.
    const storm = submitLoop(gateway.url);
    await sleep(300);
    await admin.acl('SETUSER', 'gateway', 'resetkeys', '~bp:[^b]*');
    await sleep(1000);
    await admin.acl('SETUSER', 'gateway', 'resetkeys', '~*');
    const restored = performance.now();
    await storm.stop();
    tally.storedNotQueued503 += storm.storedNotQueued;
    tally.acknowledged += storm.acknowledged;
    tally.settledMs.push(await settled(admin, restored));

    // Fault 2: the gateway dies between storing and enqueuing some jobs.
    const second = submitLoop(gateway.url);
    await sleep(killAfterMs);
    process.kill(-gateway.pid, 'SIGKILL');
    const killed = performance.now();
    await gateway.exited;
    await second.stop();
    tally.acknowledged += second.acknowledged;
    const queued = await admin.zrange('bp:st:queued', 0, -1);
    const inBull = await Promise.all(queued.map((id) => admin.exists(`bp:bull:jobs:${id}`)));
    tally.storedNotQueuedAtKill += inBull.filter((found) => found === 0).length;
    tally.settledMs.push(await settled(admin, killed));
  } finally {
    await admin.quit();
    await stopRedis(redis);
  }
}

/** Waits until no stored job is queued or running; the time since `since`. */
async function settled(admin: Redis, since: number): Promise<number> {
  for (;;) {
    const [queued, running] = await Promise.all([
      admin.zcard('bp:st:queued'),
      admin.zcard('bp:st:running'),
    ]);
    const elapsed = performance.now() - since;
    if (queued + running === 0) return elapsed;
    expect(elapsed, `${queued} jobs still queued, ${running} running`).toBeLessThan(BOUND_MS);
    await sleep(100);
  }
}

/** Four submitters until stopped: counts 202s and 503s "stored but could not be queued". */
function submitLoop(url: string) {
  let stopped = false;
  const counts = { acknowledged: 0, storedNotQueued: 0 };
  const one = async () => {
    for (let i = 0; i < 2000 && !stopped; i++) {
      const response = await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } }).catch(
        () => undefined,
      );
      if (!response) return; // the gateway is gone
      const body = (await response.json()) as { detail?: string };
      if (response.status === 202) counts.acknowledged++;
      else if (body.detail === 'the job was stored but could not be queued')
        counts.storedNotQueued++;
    }
  };
  const done = Promise.all([one(), one(), one(), one()]);
  return {
    get acknowledged() {
      return counts.acknowledged;
    },
    get storedNotQueued() {
      return counts.storedNotQueued;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/**
 * Case 13 — Redis killed (Redis mode). Each trial runs a gateway and a worker on a redis-server
 * with AOF, storms `POST /jobs`, kills redis-server with SIGKILL at a random moment of the
 * storm and restarts it on its files. What must hold with the README's setting
 * (`--appendfsync always`, gateways with `--redis-durability fsync`): every job answered `202`
 * is in Redis after the restart, the gateway takes submits again by itself (the epoch check
 * does not mistake a durable restart for lost data), and every stored job runs to its end
 * (store and queue agree). Trials with `everysec` are run for the figure only: what they lose
 * depends on how slow the disk's fsync is at that moment, which the test does not control.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { postJson } from '../helpers/http.js';
import { redisAvailable, redisSkipReason, startRedis, stopRedis } from '../helpers/redis-server.js';
import { spawnServer, spawnWorker } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { count, figure } from './helpers/figures.js';
import { submitStorm, waitUntilAllFinished } from './helpers/http-load.js';
import { seededRandom } from './helpers/random.js';
import { sized } from './helpers/size.js';

const TRIALS = sized(6, 2);
const EVERYSEC_TRIALS = sized(2, 1);

interface Trial {
  acknowledged: number;
  lost: number;
  refused: number;
  /** From the restart until no job was queued or running. */
  settledMs: number;
}

describe.skipIf(!redisAvailable)('torture 13: Redis killed', () => {
  it(`${TRIALS} trials of a submit storm + SIGKILL of redis-server + restart with appendfsync always: no acknowledged job lost, all run`, async () => {
    const random = seededRandom();
    const always: Trial[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      always.push(await killTrial('always', random.int(300, 1500)));
    }
    const everysec: Trial[] = [];
    for (let trial = 0; trial < EVERYSEC_TRIALS; trial++) {
      everysec.push(await killTrial('everysec', random.int(300, 1500)));
    }
    const sum = (trials: Trial[], key: keyof Trial) => trials.reduce((n, t) => n + t[key], 0);
    figure(
      `Redis killed: ${TRIALS} SIGKILL trials of redis-server with appendfsync always and ` +
        `--redis-durability fsync: ${count(sum(always, 'acknowledged'))} acknowledged jobs, ` +
        `${sum(always, 'lost')} lost, every stored job ran to its end within ` +
        `${(Math.max(...always.map((t) => t.settledMs)) / 1000).toFixed(1)} s of the restart; ${count(sum(always, 'refused'))} ` +
        `submits refused 503 while Redis was down. For comparison (not asserted), ` +
        `${EVERYSEC_TRIALS} trial(s) with everysec: ${count(sum(everysec, 'acknowledged'))} ` +
        `acknowledged, ${sum(everysec, 'lost')} lost (seed ${random.seed})`,
    );
    expect(sum(always, 'lost')).toBe(0);
    expect(sum(always, 'acknowledged')).toBeGreaterThan(0);
  });
});

if (!redisAvailable)
  it.skip(`torture 13: Redis killed (skipped): ${redisSkipReason}`, () => undefined);

async function killTrial(appendfsync: 'always' | 'everysec', killAfterMs: number): Promise<Trial> {
  const redis = await startRedis({ appendOnly: true, appendfsync });
  try {
    const durability = appendfsync === 'always' ? 'fsync' : 'warn';
    const common = [
      '--redis',
      redis.url,
      '--redis-durability',
      durability,
      '--data-dir',
      tempDir(),
    ];
    const [gateway, worker] = await Promise.all([
      spawnServer([...common, '--run-jobs', 'false']),
      spawnWorker([...common, '--concurrency', '64']),
    ]);
    const storm = submitStorm({
      url: gateway.url,
      submitters: 8,
      maxEach: 5000,
      body: () => ({ type: 'demo', input: { stepMs: 10 } }),
    });
    await sleep(killAfterMs);
    await redis.stop(true); // SIGKILL
    await sleep(200);
    await storm.stop();
    await redis.restart();
    const restarted = performance.now();
    // The gateway reconnects by itself and takes work again: a durable restart is no data loss.
    await expectAccepted(gateway.url);
    const admin = new Redis(redis.url);
    let lost = 0;
    try {
      const exists = await Promise.all(
        storm.acknowledged.map((id) => admin.exists(`bp:job:${id}`)),
      );
      lost = exists.filter((found) => found === 0).length;
    } finally {
      await admin.quit();
    }
    // Store and queue agree: every stored job runs to its end (BullMQ re-offers the jobs it had
    // handed out when Redis died once their locks expire and its stalled check runs).
    let settledMs = 0;
    if (appendfsync === 'always') {
      await waitUntilAllFinished(gateway.url, 120_000);
      settledMs = performance.now() - restarted;
    }
    for (const child of [gateway, worker]) {
      process.kill(-child.pid, 'SIGKILL');
      await child.exited;
    }
    const refused = [...storm.refused.values()].reduce((n, k) => n + k, 0);
    return { acknowledged: storm.acknowledged.length, lost, refused, settledMs };
  } finally {
    await stopRedis(redis);
  }
}

async function expectAccepted(url: string): Promise<void> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const response = await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 10 } });
    if (response.status === 202) return;
    if (performance.now() > deadline) {
      throw new Error(
        `the gateway still refuses submits: ${response.status} ${await response.text()}`,
      );
    }
    await sleep(200);
  }
}

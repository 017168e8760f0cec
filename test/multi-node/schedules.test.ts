/**
 * Recurring schedules in Redis mode across processes: two gateways tick the same per-second
 * schedule on one redis-server. Each tick must create exactly one job, whichever gateway fires
 * it, and none may be lost or doubled when one gateway is SIGKILLed mid-run (docs/queue.md,
 * "One job per tick").
 *
 * Ticks are read from the store's own record: the tick's job is created under the idempotency
 * key `schedule:<id>:<tick ISO>` (src/store/schedules.ts), stored as `P idem:<key>` → job id
 * (src/store/redis/redis-keys.ts); every job of the type is in the `P ty:<type>` index.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { redisAvailable, redisSkipReason } from '../helpers/redis-server.js';
import { redisForSuite } from '../helpers/redis-suite.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Ticks before the kill and after it: bounded, a few seconds each. */
const TICKS_BEFORE = 5;
const TICKS_AFTER = 5;

describe.skipIf(!redisAvailable)('a schedule ticked by two gateways on one Redis', () => {
  const redis = redisForSuite();

  it('creates one job per tick, and loses or doubles none when a gateway is killed', async () => {
    const common = ['--redis', redis().url, '--data-dir', tempDir(), '--run-jobs', 'false'];
    const [a, b] = await Promise.all([spawnServer(common), spawnServer(common)]);
    const db = new Redis(redis().url);
    try {
      const schedule = await createClient({ baseUrl: a.url }).schedules.create({
        cron: '* * * * * *',
        type: 'demo',
        input: { stepMs: 10 },
      });
      const prefix = `bp:idem:schedule:${schedule.id}:`;
      const tickKeys = async () => db.keys(`${prefix}*`);

      await expect
        .poll(async () => (await tickKeys()).length, { timeout: 30_000, interval: 200 })
        .toBeGreaterThanOrEqual(TICKS_BEFORE);
      const beforeKill = (await tickKeys()).length;
      process.kill(-a.pid, 'SIGKILL'); // mid-run: wherever A was in its pass
      await a.exited;
      await expect
        .poll(async () => (await tickKeys()).length, { timeout: 30_000, interval: 200 })
        .toBeGreaterThanOrEqual(beforeKill + TICKS_AFTER);

      // Stop the survivor too, so no tick is in flight while we count.
      const client = createClient({ baseUrl: b.url });
      expect((await client.schedules.pause(schedule.id)).paused).toBe(true);
      process.kill(-b.pid, 'SIGTERM');
      await b.exited;

      const keys = await tickKeys();
      const ticks = keys.map((key) => Date.parse(key.slice(prefix.length))).sort((x, y) => x - y);
      expect(ticks.every((tick) => Number.isFinite(tick) && tick % 1000 === 0)).toBe(true);
      // None lost: every second from the first tick to the last has its job.
      expect(ticks.map((tick) => tick - (ticks[0] ?? 0))).toEqual(ticks.map((_, i) => i * 1000));
      expect(ticks.length).toBeGreaterThanOrEqual(TICKS_BEFORE + TICKS_AFTER);

      // None doubled: the type's jobs are exactly the ticks' jobs, one each.
      const tickJobs = await Promise.all(keys.map((key) => db.get(key)));
      const jobs = await db.zrange('bp:ty:demo', 0, -1);
      expect(new Set(tickJobs).size).toBe(keys.length);
      expect([...jobs].sort()).toEqual([...tickJobs].sort());
    } finally {
      db.disconnect();
    }
  }, 90_000);
});

// Without the binary the suite above is skipped; this says why in the report.
if (!redisAvailable)
  it.skip(`a schedule ticked by two gateways (skipped): ${redisSkipReason}`, () => undefined);

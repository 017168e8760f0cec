/**
 * Lists in Redis mode cost the same however many jobs there are: every filter the API offers
 * (status, type, owner, their combinations, a cursor) reads one index page and the jobs on it.
 * Measured with INFO commandstats on a private redis-server, on 1,000 and on 10,000 jobs where
 * the jobs that match are the oldest few, so a store that filters as it reads would have to
 * walk nearly a whole index.
 */
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { ListQuery } from '../src/model/job-page.js';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { commandsDuring } from './helpers/redis-command-count.js';
import { redisAvailable, redisSkipReason } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';

const LIMIT = 50;
/** One script call, its index read and one hash per job on the page (and the one after). */
const BOUND = LIMIT + 5;

/** Every shape of `GET /jobs` filter (with API keys on the engine adds the caller's owner). */
const QUERIES: Omit<ListQuery, 'limit'>[] = [
  {},
  { status: 'failed' },
  { type: 'rare' },
  { status: 'failed', type: 'rare' },
  { owner: 'alice' },
  { owner: 'alice', status: 'canceled' },
  { owner: 'alice', type: 'rare' },
  { owner: 'alice', status: 'failed', type: 'rare' },
];

/**
 * `count` jobs, oldest first: the first 60 are of type `rare`; a third end failed, a third
 * succeeded, one in 97 is canceled, the rest stay queued; owners alternate alice and bob.
 */
async function seed(store: RedisStore, count: number): Promise<void> {
  const chunk = 250;
  for (let start = 0; start < count; start += chunk) {
    await Promise.all(
      Array.from({ length: Math.min(chunk, count - start) }, async (_, k) => {
        const i = start + k;
        const type = i < 60 ? 'rare' : i % 2 ? 'a' : 'b';
        const owner = i % 2 ? 'bob' : 'alice';
        const { job } = await store.create({ type, input: i, owner });
        if (i % 97 === 0) await store.update(job.id, { kind: 'canceled' });
        else if (i % 3 !== 2) {
          await store.update(job.id, { kind: 'started' });
          await store.update(
            job.id,
            i % 3 === 0
              ? { kind: 'failed', error: { code: 'handler_error', message: 'x' } }
              : { kind: 'succeeded', result: i },
          );
        }
      }),
    );
  }
}

describe.skipIf(!redisAvailable)('Redis lists', () => {
  const redis = redisForSuite();

  it('cost at most limit + 5 commands a page, on 1,000 as on 10,000 jobs', async () => {
    const admin = new Redis(redis().url);
    const small = await RedisStore.open({ url: redis().url, prefix: 'small:' });
    const large = await RedisStore.open({ url: redis().url, prefix: 'large:' });
    // INFO commandstats counts every client's commands, the stores' own background work too
    // (a loaded run once counted 9 more in one window): the fewest of three is the page's cost.
    const fewestCommands = async (work: () => Promise<unknown>) => {
      const totals: number[] = [];
      for (let i = 0; i < 3; i++) totals.push((await commandsDuring(admin, work)).total);
      return Math.min(...totals);
    };
    try {
      await seed(small, 1000);
      await seed(large, 10_000);
      const costs: { label: string; small: number[]; large: number[] }[] = [];
      for (const query of QUERIES) {
        const cost = async (store: RedisStore) => {
          const first = await fewestCommands(() => store.list({ ...query, limit: LIMIT }));
          const page = await store.list({ ...query, limit: LIMIT });
          // The second page, through the cursor, costs the same.
          const next = page.nextCursor ?? undefined;
          const second = await fewestCommands(() =>
            store.list({ ...query, limit: LIMIT, cursor: next }),
          );
          return [first, second];
        };
        costs.push({
          label: JSON.stringify(query),
          small: await cost(small),
          large: await cost(large),
        });
      }
      const report = costs.map(
        (c) => `${c.label}: 1k jobs ${c.small.join('/')}, 10k ${c.large.join('/')}`,
      );
      console.log(`commands per list page (first/second page):\n${report.join('\n')}`);
      for (const [i, { large }] of costs.entries()) {
        for (const commands of large) expect(commands, report[i]).toBeLessThanOrEqual(BOUND);
      }
      // The filters still find exactly the matching jobs, newest first.
      const rareFailed = await large.list({
        status: 'failed',
        type: 'rare',
        owner: 'alice',
        limit: 100,
      });
      const expected = Array.from({ length: 60 }, (_, i) => i)
        .filter((i) => i % 2 === 0 && i % 97 !== 0 && i % 3 === 0)
        .reverse();
      expect(rareFailed.jobs.map((j) => j.input)).toEqual(expected);
      expect(rareFailed.jobs.every((j) => j.status === 'failed' && j.owner === 'alice')).toBe(true);
    } finally {
      await Promise.all([small.close(), large.close(), admin.quit()]);
    }
  }, 120_000);
});

if (!redisAvailable) it.skip(`Redis lists (skipped): ${redisSkipReason}`, () => undefined);

/**
 * A private redis-server for the scale suite (the tests' helper: a free port, no persistence —
 * the suite measures fan-out and reads, not durable writes), stopped with everything else.
 */
import { startRedis as startPrivateRedis, stopRedis } from '../../test/helpers/redis-server.js';
import { cpuSecondsOf, rssOf, track, untrack, type BenchProcess } from './processes.js';

export async function startRedis(): Promise<BenchProcess> {
  const redis = await startPrivateRedis();
  const proc: BenchProcess = {
    pid: redis.pid(),
    url: redis.url,
    cpuSeconds: () => cpuSecondsOf(redis.pid()),
    rssBytes: () => rssOf(redis.pid()),
    async stop() {
      untrack(proc);
      await stopRedis(redis);
    },
  };
  track(proc);
  return proc;
}

/**
 * Counts the commands a Redis executed, from `INFO commandstats` (commands run inside Lua
 * scripts count too). The INFO calls that take the measure are left out.
 */
import type { Redis } from 'ioredis';

export async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counts.set(match[1] ?? '', Number(match[2]));
  }
  return counts;
}

/** Runs `work` and returns how many commands Redis executed meanwhile, by name. */
export async function commandsDuring(
  redis: Redis,
  work: () => Promise<unknown>,
): Promise<{ total: number; byName: Record<string, number> }> {
  const before = await commandCounts(redis);
  await work();
  const after = await commandCounts(redis);
  const byName: Record<string, number> = {};
  let total = 0;
  for (const [name, calls] of after) {
    // The first INFO is counted in `after`; the second runs after the snapshot.
    const delta = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (delta > 0) {
      byName[name] = delta;
      total += delta;
    }
  }
  return { total, byName };
}

/**
 * Rate limits across gateways: two gateways on one Redis share a client's rate, so an address
 * limited to N submits a second gets about N a second in total, not N through each. The
 * baseline in the same test is two gateways whose limits are not shared (each its own Redis
 * prefix): there the same client gets about 2N.
 */
import { describe, expect, it } from 'vitest';
import { postJson } from '../helpers/http.js';
import { redisAvailable } from '../helpers/redis-server.js';
import { redisForSuite } from '../helpers/redis-suite.js';
import { spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const RATE = 10;
const SECONDS = 3;
/** Requests in flight per gateway: far more than RATE a second get offered. */
const CONCURRENCY = 4;

interface Tally {
  accepted: number;
  refused: number;
  /** Every refusal was 429 rate_limited with a Retry-After of at least one second. */
  wellFormed: boolean;
}

/** Submits through every gateway at once for SECONDS, and counts what each answered. */
async function hammer(gateways: SpawnedServer[]): Promise<Tally> {
  const tally: Tally = { accepted: 0, refused: 0, wellFormed: true };
  const until = performance.now() + SECONDS * 1000;
  const loop = async (url: string) => {
    while (performance.now() < until) {
      const response = await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 1000 } });
      const body = (await response.json()) as { code?: string };
      if (response.status === 202) {
        tally.accepted++;
      } else {
        tally.refused++;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (response.status !== 429 || body.code !== 'rate_limited' || !(retryAfter >= 1)) {
          tally.wellFormed = false;
        }
      }
    }
  };
  await Promise.all(
    gateways.flatMap((g) => Array.from({ length: CONCURRENCY }, () => loop(g.url))),
  );
  return tally;
}

describe.skipIf(!redisAvailable)('rate limits across gateways on one Redis', () => {
  const redis = redisForSuite();

  it(`holds an address to ${RATE}/s in total through two gateways (baseline: 2 × ${RATE}/s unshared)`, async () => {
    const gateway = (prefix: string) =>
      spawnServer(
        [
          '--redis',
          redis().url,
          '--redis-prefix',
          prefix,
          '--data-dir',
          tempDir(),
          '--run-jobs',
          'false',
          '--submit-rate-per-ip',
          String(RATE),
        ],
        45_000,
      );
    const shared = await Promise.all([gateway('bp:'), gateway('bp:')]);
    const together = await hammer(shared);
    const unshared = await Promise.all([gateway('a:'), gateway('b:')]);
    const apart = await hammer(unshared);
    console.info(
      `[rate-limits] ${RATE}/s for ${SECONDS}s through 2 gateways: shared ${together.accepted} accepted ` +
        `(${together.refused} refused), unshared baseline ${apart.accepted} (${apart.refused} refused)`,
    );

    // One-second windows: at most RATE per window, and SECONDS of traffic touches at most
    // SECONDS + 1 windows; under load a window may be partly missed, hence the lower margin.
    expect(together.accepted).toBeLessThanOrEqual(RATE * (SECONDS + 1));
    expect(together.accepted).toBeGreaterThanOrEqual(RATE * SECONDS * 0.6);
    expect(together.refused).toBeGreaterThan(0);
    expect(together.wellFormed).toBe(true);
    // The baseline shows what sharing prevents: each gateway gives the client its own RATE.
    expect(apart.accepted).toBeGreaterThan(RATE * (SECONDS + 1));
    expect(apart.accepted).toBeGreaterThan(together.accepted * 1.4);
  });
});

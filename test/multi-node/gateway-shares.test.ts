/**
 * Connection caps and chat presence across gateways: two gateways on one Redis give a key
 * capped at N connections N in total (not N through each), and a room's `members` counts the
 * members of both. When one gateway is killed (SIGKILL: it gives nothing back), its
 * connections and members stop counting within its lease (--gateway-lease 1s here).
 */
import { describe, expect, it } from 'vitest';
import { redisAvailable } from '../helpers/redis-server.js';
import { redisForSuite } from '../helpers/redis-suite.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { connect, upgradeStatus, type Received } from '../helpers/ws-client.js';

const CAP = 4;
const LEASE_MS = 1000;
const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-0123456789ab';
const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

/** Joins `chat:lobby` on `url` as `name`; resolves with the client and its own join notice. */
async function join(url: string, name: string) {
  const client = await connect(url, as(BOB));
  client.send({ type: 'subscribe', topic: 'chat:lobby', name });
  const notice = await client.waitFor((m) => isJoin(m, name));
  return { client, members: notice.members };
}

const isJoin = (m: Received, name: string) =>
  m.type === 'presence' && m.event === 'join' && m.name === name;

describe.skipIf(!redisAvailable)('connection caps and presence across gateways', () => {
  const redis = redisForSuite();

  it(`holds a key to ${CAP} connections in total through two gateways, counts a room on both, and forgets a killed gateway's within its lease`, async () => {
    const gateway = () =>
      spawnServer(
        [
          ...['--redis', redis().url, '--data-dir', tempDir(), '--run-jobs', 'false'],
          ...['--api-keys', `alice:${ALICE},bob:${BOB}`],
          ...['--max-connections-per-key', String(CAP), '--gateway-lease', `${LEASE_MS}ms`],
        ],
        45_000,
      );
    const [a, b] = await Promise.all([gateway(), gateway()]);

    // The cap: N connections alternately through A and B, then neither admits one more.
    for (let i = 0; i < CAP; i++) await connect(i % 2 === 0 ? a.url : b.url, as(ALICE));
    expect(await upgradeStatus(a.url, as(ALICE).headers)).toBe(429);
    expect(await upgradeStatus(b.url, as(ALICE).headers)).toBe(429);

    // Presence: each gateway's join notice counts the members of both.
    const ada = await join(a.url, 'Ada');
    expect(ada.members).toBe(1);
    const bob = await join(b.url, 'Bob');
    expect(bob.members).toBe(2);
    const cy = await join(a.url, 'Cy');
    expect(cy.members).toBe(3);
    // Seen from the other gateway too: Bob (on B) hears Cy (on A) join with the count of both.
    expect((await bob.client.waitFor((m) => isJoin(m, 'Cy'))).members).toBe(3);

    // A is killed holding half of the key's connections and two of the room's members.
    const killedAt = performance.now();
    process.kill(-a.pid, 'SIGKILL');
    await a.exited;
    await expect
      .poll(() => upgradeStatus(b.url, as(ALICE).headers), {
        timeout: 10 * LEASE_MS,
        interval: 100,
      })
      .toBe(101);
    const freedAfter = performance.now() - killedAt;
    // B's own two still count: exactly two more get through.
    await connect(b.url, as(ALICE));
    await connect(b.url, as(ALICE));
    expect(await upgradeStatus(b.url, as(ALICE).headers)).toBe(429);
    // Ada and Cy are gone from the room: a new member on B counts Bob and itself.
    const dee = await join(b.url, 'Dee');
    expect(dee.members).toBe(2);
    console.info(
      `[gateway-shares] cap ${CAP} through 2 gateways: ${CAP} admitted; the killed gateway's ` +
        `connections freed after ${Math.round(freedAfter)} ms (lease ${LEASE_MS} ms)`,
    );
    // Within the lease and the renewal that forgets it, with room for a loaded machine.
    expect(freedAfter).toBeLessThan(5 * LEASE_MS);
  });
});

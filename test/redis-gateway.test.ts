/**
 * Connection caps and room presence counted across gateways (src/store/redis/redis-gateway.ts):
 * both connection counts keep the same contract as the in-process one; on one Redis prefix
 * several gateways share a cap and a room's count; a gateway whose lease lapsed stops counting;
 * a share Redis lost is written again by the next renewal; with Redis gone a gateway falls back
 * to its own count.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalConnectionLimits, type ConnectionLimits } from '../src/limits/connection-limits.js';
import { RedisGateway } from '../src/store/redis/redis-gateway.js';
import { redisAvailable, startRedis, stopRedis } from './helpers/redis-server.js';
import { redisForSuite } from './helpers/redis-suite.js';

const CAPS = { perIp: 3, perKey: 2 };
const refused = { code: 'too_many_connections' };

function contract(name: string, open: () => Promise<ConnectionLimits>) {
  describe(`${name} connection limits`, () => {
    it('admits an address up to its cap, then refuses naming the option', async () => {
      const limits = await open();
      for (let i = 0; i < CAPS.perIp; i++) await limits.acquire('10.0.0.1', undefined);
      await expect(limits.acquire('10.0.0.1', undefined)).rejects.toMatchObject({
        ...refused,
        message: expect.stringContaining('--max-connections-per-ip') as unknown,
      });
      await expect(limits.acquire('10.0.0.2', undefined)).resolves.toBeTypeOf('function');
    });

    it('caps a key across addresses, and a release gives its slot back once', async () => {
      const limits = await open();
      const first = await limits.acquire('10.0.1.1', 'team');
      await limits.acquire('10.0.1.2', 'team');
      await expect(limits.acquire('10.0.1.3', 'team')).rejects.toMatchObject({
        ...refused,
        message: expect.stringContaining('--max-connections-per-key') as unknown,
      });
      first();
      first();
      await limits.acquire('10.0.1.3', 'team');
      await expect(limits.acquire('10.0.1.4', 'team')).rejects.toMatchObject(refused);
    });
  });
}

contract('in-process', () => Promise.resolve(new LocalConnectionLimits(CAPS)));

describe.skipIf(!redisAvailable)('gateways sharing counts in Redis', () => {
  const redis = redisForSuite();
  const opened: RedisGateway[] = [];
  let n = 0;
  const gateway = async (prefix: string, url = redis().url) => {
    const g = await RedisGateway.open({
      url,
      prefix,
      leaseMs: 15_000,
      connectionLimits: CAPS,
      onConnectionError: () => undefined,
      onCloseError: () => undefined,
    });
    opened.push(g);
    return g;
  };
  const clients: Redis[] = [];
  const raw = () => {
    const client = new Redis(redis().url);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((g) => g.close()));
    await Promise.all(clients.splice(0).map((c) => c.quit()));
  });

  contract('Redis', async () => (await gateway(`c${n++}:`)).connections);

  it('holds a key to its cap in total through two gateways; a release on one frees a slot for the other', async () => {
    const prefix = `two${n++}:`;
    const [a, b] = await Promise.all([gateway(prefix), gateway(prefix)]);
    const onA = await a.connections.acquire('10.1.0.1', 'team');
    await b.connections.acquire('10.1.0.2', 'team');
    await expect(a.connections.acquire('10.1.0.3', 'team')).rejects.toMatchObject(refused);
    await expect(b.connections.acquire('10.1.0.3', 'team')).rejects.toMatchObject(refused);
    onA();
    // A release is a write A sends without waiting (the connection has already ended), on
    // another connection than B's: B's next admission may reach Redis first. Retry until it
    // lands; the first success takes the slot, so this cannot over-admit.
    await expect
      .poll(() =>
        b.connections.acquire('10.1.0.3', 'team').then(
          () => 'admitted',
          (error: unknown) => String(error),
        ),
      )
      .toBe('admitted');
  });

  it('counts only gateways whose lease is current', async () => {
    const prefix = `lease${n++}:`;
    const a = await gateway(prefix);
    const client = raw();
    const time = await client.time();
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    // Two other gateways' shares as Redis holds them: one lease lapsed, one current.
    await client.zadd(`${prefix}gw:live`, now - 1, 'dead', now + 60_000, 'alive');
    await client.hset(`${prefix}gw:dead:conn`, 'i:10.2.0.1', '3');
    await client.hset(`${prefix}gw:alive:conn`, 'i:10.2.0.2', '3');
    await client.hset(`${prefix}gw:dead:room:chat:r`, 'm1', 'Ghost');
    await client.hset(`${prefix}gw:alive:room:chat:r`, 'm1', 'Bob');

    await expect(a.connections.acquire('10.2.0.1', undefined)).resolves.toBeTypeOf('function');
    await expect(a.connections.acquire('10.2.0.2', undefined)).rejects.toMatchObject(refused);
    expect(await a.presence.join('chat:r', 'x', 'Ada')).toBe(2);
    expect(await a.presence.leave('chat:r', 'x')).toBe(1);
    // The next renewal forgets the lapsed gateway.
    await a.renew();
    expect(await client.zrange(`${prefix}gw:live`, 0, -1)).not.toContain('dead');
  });

  it("counts a room's members on every gateway, and a gateway that leaves takes its members", async () => {
    const prefix = `room${n++}:`;
    const [a, b] = await Promise.all([gateway(prefix), gateway(prefix)]);
    expect(await a.presence.join('chat:lobby', 'm1', 'Ada')).toBe(1);
    expect(await b.presence.join('chat:lobby', 'm1', 'Bob')).toBe(2);
    expect(await b.presence.join('chat:other', 'm2', 'Cy')).toBe(1);
    expect(await a.presence.join('chat:lobby', 'm3', 'Dee')).toBe(3);
    expect(await a.presence.leave('chat:lobby', 'm3')).toBe(2);
    await b.close();
    expect(await a.presence.join('chat:lobby', 'm4', 'Eve')).toBe(2);
  });

  it('writes a share Redis lost again at the next renewal', async () => {
    const prefix = `lost${n++}:`;
    const [a, b] = await Promise.all([gateway(prefix), gateway(prefix)]);
    await a.connections.acquire('10.3.0.1', 'team');
    await a.connections.acquire('10.3.0.1', 'team');
    await a.presence.join('chat:r', 'm1', 'Ada');
    const client = raw();
    await client.flushall();
    expect(await b.presence.join('chat:r', 'm1', 'Bob')).toBe(1);
    await expect(b.connections.acquire('10.3.0.2', 'team')).resolves.toBeTypeOf('function');

    await Promise.all([a.renew(), b.renew()]);
    expect(await b.presence.join('chat:r', 'm2', 'Cy')).toBe(3);
    await expect(b.connections.acquire('10.3.0.3', 'team')).rejects.toMatchObject(refused);
    await b.connections.acquire('10.3.0.1', undefined);
    await expect(b.connections.acquire('10.3.0.1', undefined)).rejects.toMatchObject({
      message: expect.stringContaining('already holds 3') as unknown,
    });
  });

  it('keeps a slot admitted while its share was being rewritten', async () => {
    const prefix = `race${n++}:`;
    const a = await gateway(prefix);
    // Sent in this order: the admission's slot lands first, the rewrite (without it) after.
    const admitted = a.connections.acquire('10.5.0.1', undefined);
    const rewritten = a.connections.rewrite();
    await Promise.all([admitted, rewritten]);
    const client = raw();
    await waitUntil(
      async () => (await client.hget(`${prefix}gw:${a.id}:conn`, 'i:10.5.0.1')) === '1',
    );
  });

  it("falls back to this gateway's own count while Redis is away, and shares it again after", async () => {
    const own = await startRedis();
    try {
      const prefix = `away${n++}:`;
      const [a, b] = await Promise.all([gateway(prefix, own.url), gateway(prefix, own.url)]);
      await b.connections.acquire('10.4.0.1', undefined);
      await b.presence.join('chat:r', 'm1', 'Bob');
      await own.stop();
      // Only a's own connections count now: three more from the address go through it.
      for (let i = 0; i < CAPS.perIp; i++) await a.connections.acquire('10.4.0.1', undefined);
      await expect(a.connections.acquire('10.4.0.1', undefined)).rejects.toMatchObject(refused);
      expect(await a.presence.join('chat:r', 'm1', 'Ada')).toBe(1);

      await own.restart();
      await waitUntil(async () => {
        await Promise.all([a.renew(), b.renew()]);
        return (await a.presence.join('chat:r', 'm2', 'Cy')) === 3;
      });
      await expect(b.connections.acquire('10.4.0.1', undefined)).rejects.toMatchObject({
        message: expect.stringContaining('already holds 4') as unknown,
      });
    } finally {
      await stopRedis(own);
    }
  });
});

/** Polls `check` until it holds (reconnecting takes ioredis a moment), at most 10 s. */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not reconnected yet.
    }
    if (Date.now() > until) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

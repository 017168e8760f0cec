import { describe, expect, it } from 'vitest';
import type { LeasedJob } from '../../store/leases.js';
import { WaitingClaims } from './waiting-claims.js';

/** A queue of fake jobs claimed by type; counts every attempt. */
function fakeStore() {
  const queued: string[] = [];
  let attempts = 0;
  const attempt = (types: readonly string[], worker: string): Promise<LeasedJob | undefined> => {
    attempts++;
    const i = queued.findIndex((type) => types.includes(type));
    if (i < 0) return Promise.resolve(undefined);
    const [type] = queued.splice(i, 1);
    const job = { id: `${type ?? ''}-${String(attempts)}`, type } as LeasedJob['job'];
    return Promise.resolve({ job, lease: { token: 't', worker, expiresAt: 0 } });
  };
  return { queued, attempt, attempts: () => attempts };
}

describe('WaitingClaims', () => {
  it('offers each arrival to one waiting claim, oldest first, not to every idle one', async () => {
    const store = fakeStore();
    const claims = new WaitingClaims(store.attempt);
    const waits = Array.from({ length: 20 }, (_, i) =>
      claims.claim(['a'], `w${String(i)}`, 60_000),
    );
    await expect.poll(() => store.attempts()).toBe(20); // each tried once on arrival
    store.queued.push('a');
    claims.arrived();
    const first = await waits[0];
    expect(first?.lease.worker).toBe('w0');
    expect(store.attempts()).toBe(21);
    expect(claims.size).toBe(19);
    claims.releaseAll();
    expect(await Promise.all(waits.slice(1))).toEqual(Array.from({ length: 19 }, () => undefined));
    expect(claims.size).toBe(0);
  });

  it('passes an arrival on to a waiter of another type when the oldest cannot claim it', async () => {
    const store = fakeStore();
    const claims = new WaitingClaims(store.attempt);
    const forA = claims.claim(['a'], 'wa', 60_000);
    const forB = claims.claim(['b'], 'wb', 60_000);
    await expect.poll(() => store.attempts()).toBe(2);
    store.queued.push('b');
    claims.arrived();
    expect((await forB)?.job.type).toBe('b');
    claims.releaseAll();
    expect(await forA).toBeUndefined();
  });

  it('answers at once without a wait, and after the wait without an arrival', async () => {
    const store = fakeStore();
    const claims = new WaitingClaims(store.attempt);
    expect(await claims.claim(['a'], 'w', 0)).toBeUndefined();
    expect(await claims.claim(['a'], 'w', 20)).toBeUndefined();
    const gone = new AbortController();
    const waiting = claims.claim(['a'], 'w', 60_000, gone.signal);
    await expect.poll(() => store.attempts()).toBe(3);
    gone.abort();
    expect(await waiting).toBeUndefined();
    expect(claims.size).toBe(0);
  });
});

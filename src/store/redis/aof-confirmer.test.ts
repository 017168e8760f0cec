import { describe, expect, it } from 'vitest';
import { AofConfirmer } from './aof-confirmer.js';

/** A connection whose WAITAOF answers when the test says, recording what each one covered. */
function fakeConnection(local = 1) {
  const pending: (() => void)[] = [];
  let written = 0;
  const covered: number[] = [];
  return {
    connection: {
      call: () => {
        covered.push(written);
        return new Promise<unknown>((resolve) => {
          pending.push(() => {
            resolve([local, 0]);
          });
        });
      },
    },
    write: () => Promise.resolve(++written),
    covered,
    fsync: () => {
      for (const answer of pending.splice(0)) answer();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AOF group commit', () => {
  it('confirms writes issued together with one WAITAOF', async () => {
    const fake = fakeConnection();
    const confirmer = new AofConfirmer(fake.connection, 1000);
    const writes = Promise.all([1, 2, 3].map(() => confirmer.write(fake.write)));
    await tick();
    expect(fake.covered).toEqual([3]);
    fake.fsync();
    expect(await writes).toEqual([1, 2, 3]);
  });

  it('sends another WAITAOF for a write issued while one is in flight', async () => {
    const fake = fakeConnection();
    const confirmer = new AofConfirmer(fake.connection, 1000);
    const first = confirmer.write(fake.write);
    await tick();
    const second = confirmer.write(fake.write);
    await tick();
    expect(fake.covered).toEqual([1]);
    fake.fsync();
    await first;
    await tick();
    expect(fake.covered).toEqual([1, 2]);
    fake.fsync();
    expect(await second).toBe(2);
  });

  it('refuses a write Redis did not confirm on disk', async () => {
    const fake = fakeConnection(0);
    const confirmer = new AofConfirmer(fake.connection, 1000);
    const write = confirmer.write(fake.write);
    await tick();
    fake.fsync();
    await expect(write).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});

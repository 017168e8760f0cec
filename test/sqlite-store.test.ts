import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/schema.js';
import { tempDir } from './helpers/temp-dir.js';
import { queueConformance } from './queue-conformance.js';
import { storeConformance } from './store-conformance.js';

storeConformance('sqlite (file)', () => new SqliteStore({ path: join(tempDir(), 'jobs.db') }));
storeConformance('sqlite (:memory:)', () => new SqliteStore({ path: ':memory:' }));
queueConformance('sqlite', () => new SqliteStore({ path: ':memory:' }));

describe('SqliteStore on disk', () => {
  it('keeps jobs and events across a reopen of the same file', async () => {
    const path = join(tempDir(), 'nested', 'dir', 'jobs.db');
    const first = new SqliteStore({ path });
    const { job } = await first.create({ type: 'demo', input: { stepMs: 10 } });
    await first.claimNext();
    await first.update(job.id, { kind: 'progress', progress: 30 });
    await first.close();

    const second = new SqliteStore({ path });
    expect(await second.get(job.id)).toMatchObject({ status: 'running', progress: 30, seq: 3 });
    expect((await second.events(job.id, 0))?.events.map((e) => e.kind)).toEqual([
      'queued',
      'started',
      'progress',
    ]);
    await second.close();
  });

  it('uses WAL, the chosen synchronous level and the current schema version', async () => {
    const path = join(tempDir(), 'jobs.db');
    await new SqliteStore({ path, synchronous: 'full' }).close();
    const db = new BetterSqlite3(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('upgrades a database written by schema version 1', async () => {
    const path = join(tempDir(), 'jobs.db');
    const old = new BetterSqlite3(path);
    old.exec(MIGRATIONS[0] ?? '');
    old.pragma('user_version = 1');
    old.close();
    const store = new SqliteStore({ path });
    const { job } = await store.create({ type: 't', input: null, owner: 'alice' });
    expect((await store.get(job.id))?.owner).toBe('alice');
    await store.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(tempDir(), 'jobs.db');
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(/newer than this server understands/);
  });
});

describe('SqliteStore snapshot cache', () => {
  it('never serves a snapshot older than the last commit, even to a listener of the same batch', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const a = (await store.create({ type: 'demo', input: {} })).job;
    const b = (await store.create({ type: 'demo', input: {} })).job;
    await store.get(a.id); // cached at seq 1
    await store.get(b.id);
    const seen: number[] = [];
    // While a's event is being published, b's change (same batch) is already committed.
    store.subscribe(`job:${a.id}`, () => {
      void store.get(b.id).then((job) => seen.push(job?.seq ?? 0));
    });
    await Promise.all([
      store.update(a.id, { kind: 'canceled' }),
      store.update(b.id, { kind: 'canceled' }),
    ]);
    expect(seen).toEqual([2]);
    expect(await store.get(a.id)).toMatchObject({ status: 'canceled', seq: 2 });
    expect(Object.isFrozen(await store.get(a.id))).toBe(true);
    await store.close();
  });

  it('forgets jobs that retention deleted', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const { job } = await store.create({ type: 'demo', input: {} });
    await store.update(job.id, { kind: 'canceled' });
    expect(await store.get(job.id)).toBeDefined();
    await store.prune(new Date(Date.now() + 1000));
    expect(await store.get(job.id)).toBeUndefined();
    await store.close();
  });
});

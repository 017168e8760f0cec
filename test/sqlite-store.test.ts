import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/schema.js';
import { tempDir } from './helpers/temp-dir.js';
import { concurrencyConformance } from './concurrency-conformance.js';
import { queueConformance } from './queue-conformance.js';
import { retentionConformance } from './retention-conformance.js';
import { scheduleConformance } from './schedule-conformance.js';
import { storeConformance } from './store-conformance.js';
import { webhookEndpointConformance } from './webhook-endpoint-conformance.js';
import { webhookOutboxConformance } from './webhook-outbox-conformance.js';

storeConformance('sqlite (file)', () => new SqliteStore({ path: join(tempDir(), 'jobs.db') }));
storeConformance('sqlite (:memory:)', () => new SqliteStore({ path: ':memory:' }));
queueConformance('sqlite', () => new SqliteStore({ path: ':memory:' }));
concurrencyConformance('sqlite', () => {
  // One file takes one store (a process lock): both claimers share it, as two runners would.
  const store = new SqliteStore({ path: join(tempDir(), 'jobs.db') });
  return Promise.resolve([store, store] as const);
});
retentionConformance('sqlite', () => new SqliteStore({ path: join(tempDir(), 'jobs.db') }));
scheduleConformance('sqlite', () => new SqliteStore({ path: ':memory:' }));
webhookOutboxConformance('sqlite', () => new SqliteStore({ path: ':memory:' }));
webhookEndpointConformance('sqlite', () => new SqliteStore({ path: ':memory:' }));

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
    await expect.poll(() => seen).toEqual([2]);
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

describe('SqliteStore at scale', () => {
  /** COUNT(*) by status, the way /metrics used to get it: the truth to compare with. */
  function countedByScan(path: string): Record<string, number> {
    const db = new BetterSqlite3(path, { readonly: true });
    const rows = db
      .prepare<[], { status: string; n: number }>(
        'SELECT status, COUNT(*) AS n FROM jobs GROUP BY status',
      )
      .all();
    db.close();
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }
  const nonZero = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

  it('keeps the counts by status in step with every write, prune and upgrade', async () => {
    const path = join(tempDir(), 'jobs.db');
    // A version-2 file with jobs in it: the upgrade counts what is there.
    const old = new BetterSqlite3(path);
    for (const step of MIGRATIONS.slice(0, 2)) old.exec(step);
    old.pragma('user_version = 2');
    const insert = old.prepare(
      `INSERT INTO jobs (id, type, status, progress, seq, input, created_at, updated_at)
       VALUES (?, 't', ?, 0, 1, '{}', 0, 0)`,
    );
    ['queued', 'failed', 'failed', 'succeeded'].forEach((status, i) =>
      insert.run(`old${i}`, status),
    );
    old.close();

    const store = new SqliteStore({ path });
    expect(nonZero(await store.countByStatus())).toEqual({ queued: 1, failed: 2, succeeded: 1 });
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await store.create({ type: 't', input: i })).job.id);
    await Promise.all([store.claimNext(), store.claimNext(), store.claimNext()]);
    const [a, b, c, d] = ids as [string, string, string, string];
    await store.update(b, { kind: 'succeeded', result: null });
    await store.update(c, { kind: 'failed', error: { code: 'x', message: 'x' } });
    await store.update(d, { kind: 'canceled' });
    await store.update(a, { kind: 'progress', progress: 50 }).catch(() => undefined);
    expect(await store.countByStatus()).toEqual({
      ...{ queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 },
      ...countedByScan(path),
    });
    expect(await store.prune(new Date(Date.now() + 1000))).toBe(6);
    expect(await store.countByStatus()).toEqual({
      ...{ queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 },
      ...countedByScan(path),
    });
    await store.close();
  });

  it('prunes at most pruneLimit jobs per call, yielding to the event loop between batches', async () => {
    const store = new SqliteStore({ path: ':memory:', pruneLimit: 450 });
    for (let i = 0; i < 1000; i++) {
      const { job } = await store.create({ type: 't', input: i });
      void store.update(job.id, { kind: 'canceled' });
    }
    await store.create({ type: 't', input: 'still queued' });
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const cutoff = new Date(Date.now() + 1000);
    expect(await store.prune(cutoff)).toBe(450);
    ticking = false;
    // One turn per batch of 50 at least: the loop ran between them.
    expect(turns).toBeGreaterThanOrEqual(8);
    expect(await store.prune(cutoff)).toBe(450);
    expect(await store.prune(cutoff)).toBe(100);
    expect(await store.prune(cutoff)).toBe(0);
    expect((await store.countByStatus()).queued).toBe(1);
    await store.close();
  });
});

describe('SqliteStore leases', () => {
  it('lapse on the store clock (the one due times use), exactly at their expiry', async () => {
    let now = 1_000_000_000_000;
    const store = new SqliteStore({ path: ':memory:', clock: () => now });
    const { job } = await store.create({ type: 'ext', input: 0 });
    const claim = await store.claimLeased(['ext'], 'w1', 30_000);
    expect(claim?.lease.expiresAt).toBe(now + 30_000);
    now += 29_999;
    expect(await store.expireLeases(3)).toEqual([]);
    now += 1;
    expect(await store.expireLeases(3)).toEqual([job.id]);
    await store.close();
  });
});

import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroupCommit, type GroupCommitHooks } from './group-commit.js';

/** A database that refuses to grow past its current size: a real SQLITE_FULL, no tmpfs. */
function fullDatabase() {
  const db = new BetterSqlite3(':memory:');
  db.exec('CREATE TABLE t (x TEXT)');
  const pages = Number(db.pragma('page_count', { simple: true }));
  const commits: boolean[] = [];
  const hooks: GroupCommitHooks = {
    publish: () => undefined,
    onCommit: (ok) => commits.push(ok),
  };
  const setFull = (full: boolean) => db.pragma(`max_page_count = ${full ? pages : 1_000_000}`);
  return {
    db,
    hooks,
    commits,
    setFull,
    rows: () => db.prepare('SELECT count(*) AS n FROM t').get(),
  };
}

describe('GroupCommit on a full disk', () => {
  it('fails every write of the batch with storage_full and leaves no half-written batch', async () => {
    const { db, hooks, commits, setFull, rows } = fullDatabase();
    const group = new GroupCommit(db, hooks);
    setFull(true);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const writes = Array.from({ length: 5 }, (_, i) =>
      group.write(() => {
        insert.run('x'.repeat(i === 2 ? 20_000 : 10)); // the third one needs new pages
        return { value: i, events: [] };
      }),
    );
    const outcomes = await Promise.allSettled(writes);
    // Either only the big write is refused (SQLite kept the transaction), or all of them are
    // (it rolled the transaction back): never a write committed while reported as failed.
    const refused = outcomes.filter((o) => o.status === 'rejected');
    for (const outcome of refused) {
      expect(outcome.reason).toMatchObject({ code: 'storage_full', status: 503 });
    }
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(rows()).toEqual({ n: 5 - refused.length });
    expect(commits).toEqual([false]);
    expect(db.inTransaction).toBe(false);

    setFull(false);
    await expect(group.write(() => ({ value: 'ok', events: [] }))).resolves.toBe('ok');
    expect(commits).toEqual([false, true]);
  });

  it('rejects every write cleanly when SQLite rolls the whole transaction back', async () => {
    const { db, hooks, commits, rows } = fullDatabase();
    const group = new GroupCommit(db, hooks);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const writes = [
      group.write(() => {
        insert.run('kept?');
        return { value: 1, events: [] };
      }),
      group.write(() => {
        db.exec('ROLLBACK'); // what SQLite does by itself on some full-disk and I/O errors
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      }),
      group.write(() => {
        insert.run('would run in autocommit');
        return { value: 3, events: [] };
      }),
    ];
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(rows()).toEqual({ n: 0 });
    expect(commits).toEqual([false]);
  });
});

describe('GroupCommit with a write that breaks a constraint', () => {
  it('undoes only that write, halfway through, and commits the rest of the batch once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-group-commit-'));
    const path = join(dir, 'batch.db');
    try {
      const db = new BetterSqlite3(path);
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE t (x TEXT UNIQUE)');
      const commits: boolean[] = [];
      const group = new GroupCommit(db, {
        publish: () => undefined,
        onCommit: (ok) => commits.push(ok),
      });
      const insert = db.prepare('INSERT INTO t VALUES (?)');
      const put = (...values: string[]) =>
        group.write(() => {
          for (const value of values) insert.run(value);
          return { value: values[0], events: [] };
        });
      // The second write's first row goes in, then its second one collides with the first
      // write's: its savepoint must take its first row back out with it.
      const outcomes = await Promise.allSettled([put('a'), put('b', 'a'), put('c')]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(outcomes[1]).toMatchObject({ reason: { code: 'SQLITE_CONSTRAINT_UNIQUE' } });
      expect(commits).toEqual([true]);
      db.close();

      const reopened = new BetterSqlite3(path);
      expect(reopened.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual(['a', 'c']);
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The server checks a database file before it changes anything in it (issue 14, item 4): a
 * file that is not ours, corrupt, read-only or newer is refused with one line naming the file
 * and the reason, and left byte for byte as it was.
 */
import BetterSqlite3 from 'better-sqlite3';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DatabaseFileError } from '../src/store/sqlite/file-check.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/schema.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/temp-dir.js';

const run = promisify(execFile);
const BIN = new URL('../bin/backend-patterns.js', import.meta.url).pathname;

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The files at `path` (database and side files) as they are now. */
function snapshot(path: string): Record<string, string | undefined> {
  return Object.fromEntries(
    ['', '-wal', '-shm', '-journal', '.lock'].map((suffix) => {
      const file = `${path}${suffix}`;
      return [suffix || 'db', existsSync(file) ? hash(file) : undefined];
    }),
  );
}

/**
 * Opening refuses `path` with a reason matching `reason`, and changes nothing there. Only a
 * file whose header says it is ours is read by SQLite, whose reader may add empty `-wal` and
 * `-shm` side files (`sqliteRead`); the database's own bytes never change.
 */
function expectRefused(path: string, reason: RegExp, sqliteRead = false): void {
  const before = snapshot(path);
  let refused: unknown;
  try {
    void new SqliteStore({ path }).close();
  } catch (error) {
    refused = error;
  }
  expect(refused).toBeInstanceOf(DatabaseFileError);
  const { message } = refused as DatabaseFileError;
  expect(message.startsWith(`${path}: `)).toBe(true);
  expect(message).toMatch(reason);
  expect(message).not.toContain('\n');
  if (sqliteRead) expect(snapshot(path).db).toBe(before.db);
  else expect(snapshot(path)).toEqual(before);
}

async function ourDatabase(dir: string, jobs = 0): Promise<string> {
  const path = join(dir, 'jobs.db');
  const store = new SqliteStore({ path });
  for (let i = 0; i < jobs; i++)
    await store.create({ type: 'demo', input: { i, pad: 'x'.repeat(200) } });
  await store.close();
  return path;
}

describe('opening a database file', () => {
  it("refuses another application's SQLite file, and leaves it in rollback-journal mode", () => {
    const path = join(tempDir(), 'notes.db');
    const db = new BetterSqlite3(path);
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    db.close();
    expectRefused(path, /another application's SQLite database.*user_version 0\)$/);
    const after = new BetterSqlite3(path, { readonly: true });
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });

  it('refuses a file with a corrupt page', async () => {
    const dir = tempDir();
    const original = await ourDatabase(dir, 300);
    const path = join(dir, 'copy.db');
    copyFileSync(original, path);
    const db = new BetterSqlite3(path, { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    // Garbage over one page in the middle of the file, where the jobs' B-tree pages are.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, Math.floor(pages / 2) * pageSize);
    closeSync(fd);
    expectRefused(path, /corrupt/, true);
  });

  it('refuses a schema version newer than this server knows', async () => {
    const path = await ourDatabase(tempDir());
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expectRefused(path, /schema version \d+ is newer than this server understands/);
  });

  it('refuses a file that is not a SQLite database', () => {
    const path = join(tempDir(), 'jobs.db');
    writeFileSync(path, 'id,status\n1,queued\n'.repeat(20));
    expectRefused(path, /not a SQLite database/);
  });

  it('refuses a directory', () => {
    const path = join(tempDir(), 'jobs.db');
    mkdirSync(path);
    expect(() => new SqliteStore({ path })).toThrow(/is a directory/);
  });

  it('refuses an immutable file (chattr +i), which root cannot write either', async (context) => {
    const path = await ourDatabase(tempDir());
    try {
      execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    } catch {
      context.skip('chattr +i is not available here (needs root and a filesystem with it)');
    }
    onTestFinished(() => {
      execFileSync('chattr', ['-i', path]);
    });
    expectRefused(path, /read-only: .*jobs\.db cannot be written \(EPERM\)/);
  });

  it('refuses a file on a read-only mount', async (context) => {
    const mount = join(tempDir(), 'ro');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      context.skip('mounting a tmpfs was refused (needs root)');
    }
    onTestFinished(() => {
      execFileSync('umount', [mount]);
    });
    const path = await ourDatabase(mount, 5);
    execFileSync('mount', ['-o', 'remount,ro', mount]);
    expectRefused(path, /read-only: .*cannot be written \(EROFS\)/);
  });

  it('takes a new file, an empty file, and a file of schema version 2 (upgrading it)', async () => {
    const dir = tempDir();
    const fresh = join(dir, 'new.db');
    void new SqliteStore({ path: fresh }).close();
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    void new SqliteStore({ path: empty }).close();
    const old = join(dir, 'v2.db');
    const db = new BetterSqlite3(old);
    for (const step of MIGRATIONS.slice(0, 2)) db.exec(step);
    db.pragma('user_version = 2');
    db.close();
    const store = new SqliteStore({ path: old });
    await store.create({ type: 'demo', input: {} });
    await store.close();
    for (const path of [fresh, empty, old]) {
      const opened = new BetterSqlite3(path, { readonly: true });
      expect(opened.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
      expect(opened.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      opened.close();
    }
  });

  it('serve refuses it with one line naming the option, the file and the reason, exit 2', async () => {
    const dir = tempDir();
    const path = join(dir, 'notes.db');
    const db = new BetterSqlite3(path);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    const before = hash(path);
    const failure = (await run(process.execPath, [BIN, 'serve', '--port', '0', '--db', path], {
      env: { ...process.env, DATA_DIR: dir },
    }).catch((error: unknown) => error)) as { code: number; stderr: string; stdout: string };
    expect(failure.code).toBe(2);
    expect(failure.stderr).toBe(
      `backend-patterns: --db (DB_PATH) ${path}: another application's SQLite database, not a ` +
        'backend-patterns one (application_id 0x00000000, user_version 0)\n',
    );
    expect(hash(path)).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});

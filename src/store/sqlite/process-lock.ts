/**
 * One process per database file. Two servers on one file would both "recover" and run the
 * same jobs, so the store holds a lock for its whole life and a second one refuses to start.
 *
 * The lock is a kernel lock, not a file that merely exists: `<db>.lock` is a tiny SQLite file
 * in which this process keeps a write transaction open (SQLite's RESERVED lock, an fcntl lock
 * the kernel drops when the process ends, SIGKILL and OOM kill included). So there is no stale
 * lock to detect after a crash, no pid to trust after a reboot or in another container, and a
 * restart right after a kill takes the lock at once. The holder's pid is written in the file
 * before the lock is taken for good, so a refused process can say who has it. The database
 * itself stays readable by other processes (WAL): backups, `sqlite3`, tests and tools.
 *
 * Never open, read or close the lock file by other means in the holding process: closing any
 * descriptor of a file drops all of this process's fcntl locks on it (SQLite guards against
 * that only for its own connections). The file is never deleted: unlinking a lock file others
 * may be opening lets two processes hold locks on two different files.
 */
import BetterSqlite3 from 'better-sqlite3';
import { hostname } from 'node:os';
import { DatabaseFileError } from './file-check.js';

export class ProcessLock {
  readonly #db: BetterSqlite3.Database;

  private constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  /** Takes the lock of `dbPath` or throws DatabaseFileError naming who holds it. */
  static acquire(dbPath: string): ProcessLock {
    const lockPath = `${dbPath}.lock`;
    let db: BetterSqlite3.Database;
    try {
      // timeout 0: a lock held by another process fails at once instead of waiting for it.
      db = new BetterSqlite3(lockPath, { timeout: 0 });
    } catch (error) {
      throw new DatabaseFileError(
        dbPath,
        `its lock file ${lockPath} cannot be opened (${message(error)})`,
      );
    }
    try {
      // Take it, write who we are, then take it again for good: whoever holds it in the end
      // holds it alone (two starting at once: one wins, the other is refused).
      db.exec('BEGIN IMMEDIATE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, host TEXT, since TEXT)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder VALUES (?, ?, ?)').run(
        process.pid,
        hostname(),
        new Date().toISOString(),
      );
      db.exec('COMMIT');
      db.exec('BEGIN IMMEDIATE');
      return new ProcessLock(db);
    } catch (error) {
      const holder = busy(error) ? describeHolder(db) : undefined;
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
      if (holder === undefined) {
        throw new DatabaseFileError(dbPath, `cannot take its lock ${lockPath} (${message(error)})`);
      }
      throw new DatabaseFileError(
        dbPath,
        `in use by another server process (${holder}); run one server per database file, ` +
          'or use --redis for several',
      );
    }
  }

  /** Lets the next process take it; idempotent. */
  release(): void {
    if (!this.#db.open) return;
    if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#db.close();
  }
}

function busy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Who holds it, as the holder wrote it; readable while the holder keeps its lock. */
function describeHolder(db: BetterSqlite3.Database): string {
  try {
    const row = db
      .prepare<[], { pid: number; host: string; since: string }>('SELECT * FROM holder')
      .get();
    if (row) return `pid ${row.pid} on ${row.host}, since ${row.since}`;
  } catch {
    // No holder table yet: the other process is between its first two steps.
  }
  return 'pid unknown';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

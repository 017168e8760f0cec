/**
 * Checks a database file before the store changes anything in it (switching it to WAL,
 * migrating its schema): that it is ours, or empty, or new; that it is not corrupt; that it is
 * writable. A file that fails is refused with one reason and left exactly as it was: every
 * check reads, through a read-only connection, or opens without writing.
 */
import BetterSqlite3 from 'better-sqlite3';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  readSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { APPLICATION_ID, SCHEMA_VERSION } from './schema.js';

/** Why a database file cannot be used; the message is one line naming the file. */
export class DatabaseFileError extends Error {
  override readonly name = 'DatabaseFileError';
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';
/** Versions 1–3 were written before the schema set an application id (migration 4). */
const LAST_VERSION_WITHOUT_ID = 3;
const OUR_TABLES = ['jobs', 'job_events'];

/**
 * Throws DatabaseFileError unless `path` can be opened, migrated and written as our store.
 * What the 100-byte header settles (not SQLite, another application's, newer) and whether the
 * file can be written are checked before SQLite opens it at all; only then does a read-only
 * connection look at the tables and run `quick_check`. (A SQLite reader of a file in WAL mode
 * may create its empty `-wal` and `-shm` side files; that happens only to files whose header
 * says they are ours.)
 */
export function checkDatabaseFile(path: string): void {
  const refuse = (reason: string) => new DatabaseFileError(path, reason);
  if (!existsSync(path)) {
    writable(dirname(path), refuse);
    return; // a new file
  }
  const header = readHeader(path, refuse);
  if (header.length === 0) {
    writable(path, refuse);
    return; // an empty file, as `touch` leaves it: ours to fill
  }
  if (header.length < 100 || header.toString('latin1', 0, SQLITE_MAGIC.length) !== SQLITE_MAGIC) {
    throw refuse('not a SQLite database (no SQLite header)');
  }
  // Offsets of the SQLite file format: user_version at 60, application_id at 68, size in pages
  // at 28 (the header of the main file; the WAL may hold a newer one, read by inspect()).
  judge(header.readInt32BE(68), header.readInt32BE(60), header.readUInt32BE(28) > 1, refuse);
  writable(path, refuse);
  inspect(path, refuse);
}

type Refuse = (reason: string) => DatabaseFileError;

/**
 * Ours: our application id; or none yet with our tables at schema version 1–3 (written before
 * the id, read by inspect()); or a database with nothing in it. Refused when it is ours but of
 * a newer schema. `tables` is undefined when only the header was read.
 */
function judge(
  applicationId: number,
  version: number,
  hasContent: boolean,
  refuse: Refuse,
  tables?: readonly string[],
): void {
  const legacy =
    applicationId === 0 &&
    version >= 1 &&
    version <= LAST_VERSION_WITHOUT_ID &&
    (tables === undefined || OUR_TABLES.every((table) => tables.includes(table)));
  const empty =
    applicationId === 0 && version === 0 && (tables ? tables.length === 0 : !hasContent);
  if (applicationId !== APPLICATION_ID && !legacy && !empty) {
    const shown = tables && tables.length > 0 ? `, tables: ${tables.slice(0, 5).join(', ')}` : '';
    throw refuse(
      `another application's SQLite database, not a backend-patterns one ` +
        `(application_id ${hex(applicationId)}, user_version ${version}${shown})`,
    );
  }
  if (version > SCHEMA_VERSION) {
    throw refuse(
      `schema version ${version} is newer than this server understands (${SCHEMA_VERSION}); ` +
        'it was written by a newer backend-patterns',
    );
  }
}

function readHeader(path: string, refuse: Refuse): Buffer {
  if (statSync(path).isDirectory()) throw refuse('is a directory, not a database file');
  const header = Buffer.alloc(100);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return header.subarray(0, readSync(fd, header, 0, header.length, 0));
  } catch (error) {
    throw refuse(`cannot be read (${errorCode(error)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Ownership again (through the WAL), then integrity, by a connection that cannot write. */
function inspect(path: string, refuse: Refuse): void {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    const tables = db
      .prepare<[], { name: string }>(
        `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY name`,
      )
      .all()
      .map((row) => row.name);
    judge(
      db.pragma('application_id', { simple: true }) as number,
      db.pragma('user_version', { simple: true }) as number,
      tables.length > 0,
      refuse,
      tables,
    );
    const problems = db
      .prepare<[], { quick_check: string }>('PRAGMA quick_check(3)')
      .all()
      .map((row) => row.quick_check.replace(/\s+/g, ' ').trim());
    if (problems.join() !== 'ok') throw refuse(`corrupt (quick_check: ${problems.join('; ')})`);
  } catch (error) {
    if (error instanceof DatabaseFileError) throw error;
    // SQLITE_CORRUPT, SQLITE_NOTADB and the like surface as errors of the first read.
    throw refuse(`corrupt or unreadable (${sqliteReason(error)})`);
  } finally {
    db?.close();
  }
}

/**
 * Opens for writing without writing (an open changes neither content nor times), so a file
 * on a read-only mount, an immutable file or one without write permission is refused now
 * rather than with a 500 on the first submit. WAL needs its side files and directory too.
 */
function writable(path: string, refuse: Refuse): void {
  const check = (target: string, directory: boolean) => {
    try {
      if (directory) accessSync(target, constants.W_OK);
      else closeSync(openSync(target, 'r+'));
    } catch (error) {
      throw refuse(`read-only: ${target} cannot be written (${errorCode(error)})`);
    }
  };
  if (existsSync(path) && statSync(path).isDirectory()) {
    check(path, true);
    return;
  }
  check(path, false);
  for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) check(side, false);
  check(dirname(path), true);
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

function sqliteReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const text = message.replace(/\s+/g, ' ').trim();
  return typeof code === 'string' ? `${code}: ${text}` : text;
}

/**
 * One store per database file (issue 14, item 5): a second one on the same file refuses, saying
 * who holds it; the lock goes with its holder, however it ends. The two-server case with real
 * processes is test/torture/second-server.test.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseFileError } from '../src/store/sqlite/file-check.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './helpers/temp-dir.js';

describe('the SQLite process lock', () => {
  it('refuses a second store on the same file until the first closes', async () => {
    const path = join(tempDir(), 'jobs.db');
    const first = new SqliteStore({ path });
    const another = () => new SqliteStore({ path });
    expect(another).toThrow(DatabaseFileError);
    expect(another).toThrow(
      new RegExp(`^${path}: in use by another server process \\(pid ${process.pid} on .+, since `),
    );
    // The holder is untouched by the refusal.
    const { job } = await first.create({ type: 'demo', input: {} });
    await first.close();
    const second = new SqliteStore({ path });
    expect((await second.get(job.id))?.status).toBe('queued');
    await second.close();
  });

  it('lets tools read a file a server holds (readOnly), without the lock', async () => {
    const path = join(tempDir(), 'jobs.db');
    const server = new SqliteStore({ path });
    const { job } = await server.create({ type: 'demo', input: {} });
    const reader = new SqliteStore({ path, readOnly: true });
    expect((await reader.get(job.id))?.id).toBe(job.id);
    // A read-only store refuses writes as the storage refusing them: 503 store_unavailable.
    await expect(reader.create({ type: 'demo', input: {} })).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    await reader.close();
    await server.close();
  });

  it('is free as soon as a holder is killed (no stale lock to wait for)', async () => {
    const path = join(tempDir(), 'jobs.db');
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { SqliteStore } = await import(${JSON.stringify(
          new URL('../src/store/sqlite/sqlite-store.ts', import.meta.url).pathname,
        )});
         new SqliteStore({ path: ${JSON.stringify(path)} });
         console.log('held');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(holder.stdout, 'data');
    expect(() => new SqliteStore({ path })).toThrow(
      new RegExp(`in use by another server process \\(pid ${holder.pid} `),
    );
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const next = new SqliteStore({ path });
    await next.close();
  });
});

/**
 * Case 18 — a second server on the same database (issue 14, item 5). Before, it "recovered"
 * the first one's running jobs and both ran them. Now, while the first runs jobs, a second
 * `backend-patterns serve --db <same file>` is started again and again at random moments: each
 * time it exits 2 with one line naming the file and the holder, and the first one's jobs each
 * start exactly once. Once the first has stopped, a server starts on the file at once.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/model/job.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { json, postJson } from '../helpers/http.js';
import { spawnNode, spawnServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { count, figure } from './helpers/figures.js';
import { waitUntilAllFinished } from './helpers/http-load.js';
import { seededRandom } from './helpers/random.js';
import { sized } from './helpers/size.js';

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const ATTEMPTS = sized(8, 3);
const JOBS = sized(60, 20);

describe('torture 18: a second server on one database', () => {
  it(`${ATTEMPTS} second servers started while the first runs ${JOBS} jobs: each refuses with one line and exit 2; every job starts once`, async () => {
    const random = seededRandom();
    const dir = tempDir();
    const db = join(dir, 'jobs.db');
    const args = ['--db', db, '--data-dir', dir, '--concurrency', '8'];
    const first = await spawnServer(args);
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const response = await postJson(`${first.url}/jobs`, { type: 'demo', input: { stepMs: 40 } });
      expect(response.status).toBe(202);
      ids.push((await json<{ id: string }>(response)).id);
    }

    const refusals: string[] = [];
    let refusedMs = 0;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await sleep(random.int(0, 300));
      const started = performance.now();
      const second = spawnNode(CLI, ['serve', '--port', '0', '--host', '127.0.0.1', ...args]);
      const { code } = await second.exited;
      refusedMs = Math.max(refusedMs, performance.now() - started);
      expect(code).toBe(2);
      expect(second.lines.filter((line) => /"event":"listening"/.test(line))).toEqual([]);
      refusals.push(second.stderr());
    }
    for (const text of refusals) {
      expect(text).toMatch(
        new RegExp(
          `^backend-patterns: --db \\(DB_PATH\\) ${db}: in use by another server process ` +
            `\\(pid ${first.pid} on [^,]+, since [^)]+\\); run one server per database file, ` +
            'or use --redis for several\\n$',
        ),
      );
    }

    await waitUntilAllFinished(first.url, 60_000);
    process.kill(first.pid, 'SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const store = new SqliteStore({ path: db, readOnly: true });
    const starts: number[] = [];
    try {
      for (const id of ids) {
        const events: JobEvent[] = (await store.events(id, 0, 1000))?.events ?? [];
        starts.push(events.filter((e) => e.kind === 'started').length);
        expect(events.at(-1)?.kind, id).toBe('succeeded');
      }
    } finally {
      await store.close();
    }
    expect(starts.every((n) => n === 1)).toBe(true);

    // The lock went with the first process: the next server takes the file at once.
    const next = await spawnServer(args);
    process.kill(next.pid, 'SIGTERM');
    expect((await next.exited).code).toBe(0);

    figure(
      `18 — second server: ${ATTEMPTS} servers started on the database of a running one, each ` +
        `exited 2 with one line naming the file and the holder's pid (within ${Math.round(refusedMs)} ` +
        `ms of being started, node start-up included); the first ran its ${count(JOBS)} jobs with ` +
        `${starts.reduce((a, b) => a + b, 0)} starts (each once); a server started on the file ` +
        `right after it stopped (seed ${random.seed})`,
    );
  });
});

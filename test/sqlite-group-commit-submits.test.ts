/**
 * Durable submits share one commit (src/store/sqlite/group-commit.ts): many POST /jobs in the
 * same turn of the event loop are acknowledged only once their batch is committed to the real
 * file, and a submit refused inside the batch fails alone.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { checkedInject } from './helpers/contract/checked-inject.js';
import { startInjectedServer } from './helpers/test-server.js';
import { tempDir } from './helpers/temp-dir.js';

const N = 40;

async function fileServer() {
  const dataDir = tempDir();
  const db = join(dataDir, 'jobs.db');
  // A far-off runAt keeps the jobs queued: what is checked is the submit, not the runner.
  const { server } = await startInjectedServer({ dataDir, db });
  return { server, db, inject: checkedInject(server.app) };
}

const later = () => new Date(Date.now() + 3_600_000).toISOString();

describe('group commit of submits on a real SQLite file', () => {
  it('acknowledges every concurrent submit, and every acknowledged job survives a reopen', async () => {
    const { server, db, inject } = await fileServer();
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        inject({
          method: 'POST',
          url: '/jobs',
          payload: { type: 'demo', input: { stepMs: 10 + i }, runAt: later() },
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array.from({ length: N }, () => 202));
    const jobs = answers.map((a) => a.json<Job>());
    expect(new Set(jobs.map((j) => j.id)).size).toBe(N);
    await server.close();

    const reopened = new SqliteStore({ path: db });
    try {
      for (const [i, job] of jobs.entries()) {
        expect(await reopened.get(job.id)).toMatchObject({
          status: 'queued',
          input: { stepMs: 10 + i },
        });
        expect((await reopened.events(job.id, 0))?.events.map((e) => e.kind)).toEqual(['queued']);
      }
    } finally {
      await reopened.close();
    }
  });

  it('fails a refused submit alone: the others of its batch are created, none twice', async () => {
    const { server, db, inject } = await fileServer();
    const submit = (input: object, key?: string) =>
      inject({
        method: 'POST',
        url: '/jobs',
        headers: key === undefined ? {} : { 'idempotency-key': key },
        payload: { type: 'demo', input, runAt: later() },
      });
    // Same turn: a key, its replay, the same key with other content, and plain submits.
    const answers = await Promise.all([
      submit({ stepMs: 11 }),
      submit({ stepMs: 12 }, 'k-1'),
      submit({ stepMs: 12 }, 'k-1'),
      submit({ stepMs: 13 }, 'k-1'),
      submit({ stepMs: 14 }),
    ]);

    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 422, 202]);
    expect(answers[2].headers['idempotent-replayed']).toBe('true');
    expect(answers[3].json()).toMatchObject({ code: 'idempotency_key_reused' });
    const [plain, keyed, replay, , last] = answers.map((a) => a.json<Job>());
    expect(replay?.id).toBe(keyed?.id);
    await server.close();

    const reopened = new SqliteStore({ path: db });
    try {
      const page = await reopened.list({ limit: 100 });
      expect(page.jobs.map((j) => j.id).sort()).toEqual(
        [plain?.id, keyed?.id, last?.id].map(String).sort(),
      );
    } finally {
      await reopened.close();
    }
  });
});

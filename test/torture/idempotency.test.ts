/**
 * Case 9 — idempotency. Fifty concurrent submits with one Idempotency-Key make one job; and
 * again when the server is killed while they are in flight and they are retried after the
 * restart: still one job, the one any answer before the crash named.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { figure } from './helpers/figures.js';
import { seededRandom } from './helpers/random.js';
import { sized } from './helpers/size.js';

const CONCURRENT = 50;
const ROUNDS = sized(20, 5);
const CRASH_ROUNDS = sized(10, 3);

interface Answer {
  status: number;
  id?: string;
  replayed: boolean;
}

/** `CONCURRENT` submits of one body with one key, all at once; a failed request is undefined. */
async function burst(url: string, key: string, stepMs = 500): Promise<(Answer | undefined)[]> {
  const body = { type: 'demo', input: { stepMs } };
  return Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      try {
        const response = await postJson(`${url}/jobs`, body, { 'idempotency-key': key });
        const job = await json<Partial<Job>>(response);
        const replayed = response.headers.get('idempotent-replayed') === 'true';
        return { status: response.status, id: job.id, replayed };
      } catch {
        return undefined; // no answer: the server was killed
      }
    }),
  );
}

function jobsWithKey(dbPath: string, key: string): number {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const row = db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE idempotency_key = ?').get(key);
    return (row as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('torture 9: idempotency', () => {
  it(`${ROUNDS} rounds of ${CONCURRENT} concurrent submits with one Idempotency-Key: one job, one creation, the rest replays; a different body is 422`, async () => {
    const dataDir = tempDir();
    const server = await spawnServer(['--data-dir', dataDir]);
    let replays = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const key = `round-${round}-${Math.random()}`;
      const answers = await burst(server.url, key);
      expect(answers.every((a) => a?.status === 202)).toBe(true);
      expect(new Set(answers.map((a) => a?.id)).size).toBe(1);
      expect(answers.filter((a) => a?.replayed === false)).toHaveLength(1);
      replays += answers.filter((a) => a?.replayed).length;
      expect(jobsWithKey(join(dataDir, 'jobs.db'), key)).toBe(1);
      const other = await postJson(
        `${server.url}/jobs`,
        { type: 'demo', input: { stepMs: 600 } },
        { 'idempotency-key': key },
      );
      expect(other.status).toBe(422);
      expect(await json(other)).toMatchObject({ code: 'idempotency_key_reused' });
    }
    figure(
      `idempotency: ${ROUNDS} rounds × ${CONCURRENT} concurrent submits with one key → ` +
        `${ROUNDS} jobs, ${replays} replays, 0 duplicates`,
    );
  });

  it(`${CRASH_ROUNDS} rounds: SIGKILL while ${CONCURRENT} keyed submits are in flight, restart, retry all: one job, the one acknowledged before the crash`, async () => {
    const random = seededRandom();
    const dataDir = tempDir();
    const dbPath = join(dataDir, 'jobs.db');
    let acknowledgedBefore = 0;
    /** Rounds by what the kill interrupted: nothing stored yet, stored but unanswered, answered. */
    const outcomes = { none: 0, unanswered: 0, answered: 0 };
    for (let round = 0; round < CRASH_ROUNDS; round++) {
      const server = await spawnServer(['--data-dir', dataDir]);
      const key = `crash-${round}-${random.next()}`;
      const inFlight = burst(server.url, key);
      await sleep(random.int(0, 60));
      process.kill(-server.pid, 'SIGKILL');
      await server.exited;
      const before = (await inFlight).filter((a): a is Answer => a?.status === 202);
      acknowledgedBefore += before.length;
      expect(new Set(before.map((a) => a.id)).size).toBeLessThanOrEqual(1);
      const stored = jobsWithKey(dbPath, key);
      expect(stored).toBeLessThanOrEqual(1);
      if (before.length > 0) outcomes.answered++;
      else if (stored === 1) outcomes.unanswered++;
      else outcomes.none++;

      const restarted = await spawnServer(['--data-dir', dataDir]);
      const after = await burst(restarted.url, key);
      expect(after.every((a) => a?.status === 202)).toBe(true);
      const ids = new Set([...before, ...after].map((a) => a?.id));
      expect(ids.size).toBe(1);
      expect(jobsWithKey(dbPath, key)).toBe(1);
      process.kill(-restarted.pid, 'SIGKILL');
      await restarted.exited;
    }
    figure(
      `idempotency across a crash: ${CRASH_ROUNDS} rounds × ${CONCURRENT} keyed submits killed ` +
        `in flight and retried → ${CRASH_ROUNDS} jobs, 0 duplicates; the kill came before the ` +
        `insert ${outcomes.none}×, after it but before any answer ${outcomes.unanswered}×, ` +
        `after ${acknowledgedBefore} answers ${outcomes.answered}× (seed ${random.seed})`,
    );
  });
});

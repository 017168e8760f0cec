/**
 * The access-control case's world: a server process with three API keys (alice, bob, carol)
 * and jobs of alice's and carol's in every state — queued behind full slots, running with
 * progress, succeeded, failed, canceled — plus bob's own jobs, which bob's clients must see
 * (the positive controls). Waiting is by long polls on the jobs themselves, never by sleeps.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import type { Job } from '../../../src/model/job.js';
import { isTerminal } from '../../../src/model/job.js';
import { json } from '../../helpers/http.js';
import type { Random } from './random.js';
import { startTortureServer, type TortureServer } from './torture-server.js';

export const ALICE = 'alice-secret-0123456789';
export const BOB = 'bob-secret-0123456789abcdef';
export const CAROL = 'carol-secret-0123456789ab';
export const TOKEN_SECRET = 'torture-token-secret-0123456789abcdef';
export const TOKEN_TTL = 5 * 60_000;

export const bearer = (key: string): Record<string, string> => ({
  authorization: `Bearer ${key}`,
});

/** Three keys, three slots (two of alice's tickers and one of bob's fill them). */
export function startAccessServer(): Promise<TortureServer> {
  return startTortureServer({
    apiKeys: `alice:${ALICE},bob:${BOB},carol:${CAROL}`,
    tokenSecret: TOKEN_SECRET,
    tokenTtl: TOKEN_TTL,
    concurrency: 3,
    longPollMaxWait: 60_000,
  });
}

export async function submit(
  url: string,
  key: string,
  body: { type: string; input: unknown },
  idempotencyKey?: string,
): Promise<Job> {
  const response = await fetch(`${url}/jobs`, {
    method: 'POST',
    headers: {
      ...bearer(key),
      'content-type': 'application/json',
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body: JSON.stringify(body),
  });
  if (response.status !== 202)
    throw new Error(`submit: ${response.status} ${await response.text()}`);
  return json<Job>(response);
}

/** A short-lived access token for `key` (POST /auth/token). */
export async function accessToken(url: string, key: string): Promise<string> {
  const response = await fetch(`${url}/auth/token`, { method: 'POST', headers: bearer(key) });
  return (await json<{ token: string }>(response)).token;
}

export async function read(url: string, key: string, id: string): Promise<Job> {
  const response = await fetch(`${url}/jobs/${id}`, { headers: bearer(key) });
  if (response.status !== 200) throw new Error(`read ${id}: ${response.status}`);
  return json<Job>(response);
}

/** Long-polls the job (as its owner) until `done` holds; rejects after `timeoutMs`. */
export async function waitUntil(
  url: string,
  key: string,
  job: Job,
  done: (job: Job) => boolean,
  timeoutMs = 30_000,
): Promise<Job> {
  const deadline = performance.now() + timeoutMs;
  let current = job;
  while (!done(current)) {
    if (performance.now() > deadline) {
      throw new Error(`job ${job.id} still ${current.status} after ${timeoutMs} ms`);
    }
    const response = await fetch(`${url}/jobs/${job.id}?after=${current.seq}&wait=5`, {
      headers: bearer(key),
    });
    current = await json<Job>(response);
  }
  return current;
}

const ticker = (events: number, intervalMs = 0) => ({
  type: 'ticker',
  input: { events, intervalMs },
});

/** A job of someone else's that bob will ask for, and what it was when the trials began. */
export interface Target {
  owner: 'alice' | 'carol';
  key: string;
  state: string;
  job: Job;
}

export interface Scene {
  /** Alice's and carol's jobs, in every state. */
  targets: Target[];
  bob: { running: Job; succeeded: Job; queued: Job };
}

export async function buildScene(url: string): Promise<Scene> {
  // Quick jobs first, while slots are free: they finish.
  const [aliceDone, aliceFailed, carolDone, bobDone] = await Promise.all([
    submit(url, ALICE, ticker(3)),
    submit(url, ALICE, { type: 'hash-file', input: { path: 'no-such-file.txt' } }),
    submit(url, CAROL, ticker(2)),
    submit(url, BOB, ticker(3)),
  ]);
  const finished = await Promise.all(
    [
      [ALICE, aliceDone],
      [ALICE, aliceFailed],
      [CAROL, carolDone],
      [BOB, bobDone],
    ].map(([key, job]) => waitUntil(url, key as string, job as Job, (j) => isTerminal(j.status))),
  );
  // Then three long tickers fill the three slots: alice's two progress all the time.
  const runners = await Promise.all([
    submit(url, ALICE, ticker(100_000, 40)),
    submit(url, ALICE, ticker(100_000, 150)),
    submit(url, BOB, ticker(100_000, 100)),
  ]);
  const keys = [ALICE, ALICE, BOB];
  const running = await Promise.all(
    runners.map((job, i) => waitUntil(url, keys[i] ?? BOB, job, (j) => j.status === 'running')),
  );
  // Everything submitted now waits behind them (carol and alice share an Idempotency-Key).
  const aliceQueued = await Promise.all([
    submit(url, ALICE, ticker(5), 'alice-order-1'),
    submit(url, ALICE, ticker(7), 'shared-key'),
  ]);
  const carolQueued = await submit(url, CAROL, ticker(4), 'shared-key');
  const bobQueued = await submit(url, BOB, ticker(4), 'bob-order-1');
  const toCancel = await submit(url, ALICE, ticker(6));
  const canceled = await json<Job>(
    await fetch(`${url}/jobs/${toCancel.id}`, { method: 'DELETE', headers: bearer(ALICE) }),
  );
  if (canceled.status !== 'canceled') throw new Error(`alice's cancel: ${canceled.status}`);

  const [aliceSucceeded, aliceFailedNow, carolSucceeded, bobSucceeded] = finished as [
    Job,
    Job,
    Job,
    Job,
  ];
  const [aliceRunningA, aliceRunningB, bobRunning] = running as [Job, Job, Job];
  const targets: Target[] = [
    { owner: 'alice', key: ALICE, state: 'succeeded', job: aliceSucceeded },
    { owner: 'alice', key: ALICE, state: 'failed', job: aliceFailedNow },
    { owner: 'alice', key: ALICE, state: 'running (fast)', job: aliceRunningA },
    { owner: 'alice', key: ALICE, state: 'running (slow)', job: aliceRunningB },
    { owner: 'alice', key: ALICE, state: 'queued', job: aliceQueued[0] },
    { owner: 'alice', key: ALICE, state: 'queued (keyed)', job: aliceQueued[1] },
    { owner: 'alice', key: ALICE, state: 'canceled', job: canceled },
    { owner: 'carol', key: CAROL, state: 'succeeded', job: carolSucceeded },
    { owner: 'carol', key: CAROL, state: 'queued', job: carolQueued },
  ];
  if (aliceFailedNow.status !== 'failed')
    throw new Error(`expected failed: ${aliceFailedNow.status}`);
  return {
    targets,
    bob: { running: bobRunning, succeeded: bobSucceeded, queued: bobQueued },
  };
}

/** Every job's owner, read from the server's SQLite file: the truth to check answers against. */
export function owners(dataDir: string): Map<string, string | null> {
  const db = new BetterSqlite3(join(dataDir, 'jobs.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT id, owner FROM jobs').all() as {
      id: string;
      owner: string | null;
    }[];
    return new Map(rows.map((row) => [row.id, row.owner]));
  } finally {
    db.close();
  }
}

/** A well-formed job id (lowercase UUID v4) from the seeded generator: one nobody has. */
export function missingId(random: Random): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => random.int(0, 15).toString(16)).join('');
  const variant = '89ab'[random.int(0, 3)] ?? '8';
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}

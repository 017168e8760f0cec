/**
 * Case 11 — graceful shutdown under load. While clients stream and poll, jobs run and a storm
 * of submits goes on, the real server gets SIGTERM. What must hold: from the moment it starts
 * draining, new work and new connections are refused (503 `shutting_down`, or the port is
 * closed) and nothing else is answered with an error; open WebSockets close with 1001, event
 * streams end with their shutdown comment, held long polls are answered `closing`; the
 * process exits 0 within its deadline; no acknowledged job is lost; and after a restart every
 * client resumes where it was, with the exact log (running jobs were handed back and ran again).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Job, JobEvent } from '../../src/model/job.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { json, postJson } from '../helpers/http.js';
import { readEventStream } from '../helpers/sse.js';
import { spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { connect } from '../helpers/ws-client.js';
import { count, figure } from './helpers/figures.js';
import { submitStorm, waitUntilAllFinished } from './helpers/http-load.js';
import { checkAgainstLog } from './helpers/log-check.js';
import { seededRandom } from './helpers/random.js';
import { resumingClient, TRANSPORTS } from './helpers/resuming-clients.js';
import { sized } from './helpers/size.js';

const ROUNDS = sized(5, 2);
const FOLLOWED = 8;
const OBSERVERS = 4;
const SHUTDOWN_TIMEOUT = 3000;

interface RoundResult {
  acknowledged: number;
  handedBack: number;
  probes: Map<string, number>;
  storm: Map<string, number>;
  exitMs: number;
}

describe('torture 11: graceful shutdown under load', () => {
  it(`${ROUNDS} rounds of SIGTERM during streams, polls, running jobs and a submit storm: refusals only, proper closes, nothing lost, clients resume on restart`, async () => {
    const random = seededRandom();
    const results: RoundResult[] = [];
    for (let round = 0; round < ROUNDS; round++)
      results.push(await shutdownRound(random.int(200, 1200)));
    const total = (pick: (r: RoundResult) => number) => results.reduce((n, r) => n + pick(r), 0);
    const merge = (pick: (r: RoundResult) => Map<string, number>) => {
      const merged = new Map<string, number>();
      for (const r of results)
        for (const [k, n] of pick(r)) merged.set(k, (merged.get(k) ?? 0) + n);
      return [...merged].map(([k, n]) => `${k} ×${n}`).join(', ');
    };
    figure(
      `graceful shutdown: ${ROUNDS} rounds, SIGTERM → exit 0 in at most ` +
        `${Math.round(Math.max(...results.map((r) => r.exitMs)))} ms (deadline ${SHUTDOWN_TIMEOUT} ms); ` +
        `${count(total((r) => r.acknowledged))} acknowledged jobs, 0 lost; ` +
        `${total((r) => r.handedBack)} running jobs handed back and rerun; ` +
        `${ROUNDS * OBSERVERS} WebSockets closed 1001, ${ROUNDS * OBSERVERS} streams ended with the ` +
        `shutdown comment, ${ROUNDS * OBSERVERS} long polls answered "closing"; new requests while ` +
        `draining: ${merge((r) => r.probes)}; storm answers: ${merge((r) => r.storm)}; ` +
        `${ROUNDS * FOLLOWED} resuming clients (${TRANSPORTS.join(', ')}) saw their job's exact log ` +
        `(seed ${random.seed})`,
    );
  });
});

async function shutdownRound(termAfterMs: number): Promise<RoundResult> {
  const dataDir = tempDir();
  const args = ['--data-dir', dataDir, '--shutdown-timeout', `${SHUTDOWN_TIMEOUT}ms`];
  let current: SpawnedServer = await spawnServer([...args, '--concurrency', '2']);
  const first = current;
  const submit = async (stepMs: number) =>
    json<Job>(await postJson(`${first.url}/jobs`, { type: 'demo', input: { stepMs } }));
  // Followed jobs outlast the grace period, so some are running when the signal comes.
  const followed = await Promise.all(Array.from({ length: FOLLOWED }, () => submit(400)));
  const clients = followed.map((job, i) =>
    resumingClient(TRANSPORTS[i % TRANSPORTS.length] ?? 'sse', {
      baseUrl: () => current.url,
      jobId: job.id,
      retryMs: 50,
    }),
  );
  // A job that stays queued (two slots, busy), for observers that must be released by shutdown.
  const waiting = await submit(400);
  const sockets = await Promise.all(Array.from({ length: OBSERVERS }, () => connect(first.url)));
  for (const ws of sockets) ws.send({ type: 'subscribe', topic: 'jobs', id: 'in' });
  await Promise.all(sockets.map((ws) => ws.waitFor((m) => m.id === 'in')));
  const streams = await Promise.all(
    Array.from({ length: OBSERVERS }, () =>
      readEventStream(`${first.url}/jobs/${waiting.id}/events`),
    ),
  );
  const polls = Array.from({ length: OBSERVERS }, async () => {
    const response = await fetch(`${first.url}/jobs/${waiting.id}?after=1&wait=30`);
    await response.arrayBuffer();
    return { status: response.status, outcome: response.headers.get('long-poll-outcome') };
  });
  const storm = submitStorm({
    url: first.url,
    submitters: 4,
    maxEach: 2000,
    body: () => ({ type: 'demo', input: { stepMs: 30 } }),
  });
  await sleep(termAfterMs);

  const signalledAt = performance.now();
  process.kill(first.pid, 'SIGTERM');
  await expect.poll(() => first.lines.some((l) => l.includes('"msg":"shutting down"'))).toBe(true);
  const probes = await probeWhileDraining(first);
  const exit = await first.exited;
  const exitMs = performance.now() - signalledAt;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(exitMs).toBeLessThan(SHUTDOWN_TIMEOUT + 2000);
  await storm.stop();
  for (const ws of sockets)
    expect(await ws.closed).toEqual({ code: 1001, reason: 'server shutting down' });
  for (const stream of streams) {
    await stream.ended;
    expect(stream.parsed().comments).toContain('server shutting down; reconnect to resume');
  }
  for (const poll of await Promise.all(polls))
    expect(poll).toEqual({ status: 200, outcome: 'closing' });
  for (const [answer] of storm.refused) expect(answer).toBe('503 shutting_down');

  current = await spawnServer([...args, '--concurrency', '16']);
  await Promise.all(clients.map((c) => c.done));
  for (const c of clients) c.stop();
  await waitUntilAllFinished(current.url, 60_000);
  process.kill(current.pid, 'SIGTERM');
  expect(await current.exited).toEqual({ code: 0, signal: null });

  const store = new SqliteStore({ path: join(dataDir, 'jobs.db') });
  let handedBack = 0;
  try {
    for (const id of storm.acknowledged) expect(await store.get(id), id).toBeDefined();
    for (const [i, client] of clients.entries()) {
      const log: JobEvent[] = (await store.events(followed[i]?.id ?? '', 0, 10_000))?.events ?? [];
      checkAgainstLog(client, log);
      handedBack += log.filter((e) => e.kind === 'requeued').length;
    }
  } finally {
    await store.close();
  }
  return {
    acknowledged: storm.acknowledged.length,
    handedBack,
    probes,
    storm: storm.refused,
    exitMs,
  };
}

/** Fresh connections while the server drains: each must be refused, never served as new work. */
async function probeWhileDraining(server: SpawnedServer): Promise<Map<string, number>> {
  const tally = new Map<string, number>();
  const note = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
  while (server.child.exitCode === null && server.child.signalCode === null) {
    const submit = await fetch(`${server.url}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ type: 'demo', input: { stepMs: 10 } }),
    }).then(
      async (r) => `submit ${r.status} ${((await r.json()) as { code?: string }).code ?? ''}`,
      () => 'submit refused (port closed)',
    );
    note(submit);
    expect(['submit 503 shutting_down', 'submit refused (port closed)']).toContain(submit);
    const upgrade = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
      ws.on('unexpected-response', (_request, response) => {
        resolve(`upgrade ${response.statusCode ?? 0}`);
        ws.terminate();
      });
      ws.on('open', () => {
        resolve('upgrade accepted');
        ws.terminate();
      });
      ws.on('error', () => {
        resolve('upgrade refused (port closed)');
      });
    });
    note(upgrade);
    expect(['upgrade 503', 'upgrade refused (port closed)']).toContain(upgrade);
    await sleep(20);
  }
  return tally;
}

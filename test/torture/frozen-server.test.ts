/**
 * Case 4 — frozen server. The server process is stopped with SIGSTOP for several heartbeat
 * intervals while clients follow a busy job; its kernel keeps every socket open, so nothing
 * tells the clients. What must hold: the stream clients notice the silence (no message, ping
 * or heartbeat for two intervals and a margin), keep trying, reconnect once the server runs
 * again (SIGCONT) and resume with no gap; every client ends on the job's terminal state.
 *
 * Two sets of clients follow each job: the protocol-level ones of helpers/resuming-clients.ts
 * (does the server give a client following the protocol what it needs — heartbeats to notice,
 * and a log to resume from?) and the client SDK's watch over each transport (does the SDK
 * users get do it?). Both SDK streams give up a connection silent for two heartbeats and a
 * second — the WebSocket's interval from its welcome, the event stream's from the
 * `: heartbeat-ms` comment it starts with — and reconnect from their cursor with backoff.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { count, figure } from './helpers/figures.js';
import { readLog } from './helpers/job-log.js';
import { checkAgainstLog } from './helpers/log-check.js';
import { seededRandom } from './helpers/random.js';
import { resumingClient, TRANSPORTS, type ResumingClient } from './helpers/resuming-clients.js';
import { checkSdkAgainstLog, sdkWatchers, type SdkWatcher } from './helpers/sdk-watchers.js';
import { sized } from './helpers/size.js';
import { startTortureServer } from './helpers/torture-server.js';

const HEARTBEAT = 1000;
const SILENCE = 2 * HEARTBEAT + 500;
const FREEZE = 4 * HEARTBEAT;
const ROUNDS = sized(3, 1);
const EVENTS = sized(400, 200);

const received = (client: ResumingClient) => client.events.length + client.snapshots.length;
const yielded = (watcher: SdkWatcher) => watcher.snapshots.length;

describe('torture 4: frozen server', () => {
  it(`${ROUNDS} freezes of ${FREEZE} ms (heartbeat ${HEARTBEAT} ms) while clients on every transport follow a busy job: they notice, reconnect on thaw, no gap`, async () => {
    const random = seededRandom();
    const server = await startTortureServer({ wsHeartbeat: HEARTBEAT, sseHeartbeat: HEARTBEAT });
    const resumeTimes: number[] = [];
    let silences = 0;
    let events = 0;
    let sdkSnapshots = 0;
    let sdkReconnects = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const job = await json<Job>(
        await postJson(`${server.url}/jobs`, {
          type: 'ticker',
          input: { events: EVENTS, intervalMs: 20 },
        }),
      );
      const clients = TRANSPORTS.map((transport) =>
        resumingClient(transport, { baseUrl: () => server.url, jobId: job.id, silenceMs: SILENCE }),
      );
      const watchers = sdkWatchers({
        baseUrl: server.url,
        jobId: job.id,
        connectTimeoutMs: FREEZE,
        longPollWaitSeconds: 2,
      });
      await sleep(random.int(500, 1500));
      server.freeze();
      await sleep(FREEZE);
      const before = clients.map(received);
      const sdkBefore = watchers.map(yielded);
      server.thaw();
      const thawedAt = performance.now();
      await expect
        .poll(
          () =>
            clients.every((c, i) => received(c) > (before[i] ?? 0)) &&
            watchers.every((w, i) => yielded(w) > (sdkBefore[i] ?? 0)),
          { timeout: 30_000, interval: 20 },
        )
        .toBe(true);
      resumeTimes.push(performance.now() - thawedAt);
      await Promise.all([...clients.map((c) => c.done), ...watchers.map((w) => w.done)]);
      const log = await readLog(server.dataDir, job.id);
      expect(log.at(-1)?.kind).toBe('succeeded');
      for (const client of clients) {
        client.stop();
        const delivery = checkAgainstLog(client, log);
        if (client.transport === 'sse' || client.transport === 'websocket') {
          expect(client.silences, `${client.transport} noticed the silence`).toBeGreaterThan(0);
          events += delivery.received;
        }
        silences += client.silences;
      }
      for (const watcher of watchers) {
        sdkSnapshots += checkSdkAgainstLog(watcher, log);
        sdkReconnects += watcher.stats.reconnects;
        if (watcher.transport === 'sse' || watcher.transport === 'websocket') {
          expect(
            watcher.stats.reconnects,
            `the SDK's ${watcher.transport} watch noticed the silence`,
          ).toBeGreaterThan(0);
        }
      }
    }
    await expect.poll(async () => (await server.stats()).wsConnections).toBe(0);
    figure(
      `frozen server: ${ROUNDS} freezes of ${FREEZE} ms with heartbeats every ${HEARTBEAT} ms; ` +
        `${silences} silent connections given up by the clients; every client resumed within ` +
        `${Math.round(Math.max(...resumeTimes))} ms of the thaw; ${count(events)} stream events ` +
        `delivered, 0 gaps, 0 duplicates; terminal state seen ${ROUNDS * TRANSPORTS.length}/` +
        `${ROUNDS * TRANSPORTS.length} for protocol-level clients; the SDK on every transport: ` +
        `${count(sdkSnapshots)} snapshots, reconnected ${sdkReconnects} times, 0 gaps, terminal ` +
        `${ROUNDS * TRANSPORTS.length}/${ROUNDS * TRANSPORTS.length} (seed ${random.seed})`,
    );
  });
});

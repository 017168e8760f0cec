/**
 * Case 2 — resume under disconnects. A job records 1,000 progress events while one client per
 * transport follows it; at random moments the server destroys the client's socket or the
 * client aborts, 20 times per transport, and the client resumes by the protocol. What must
 * hold: each stream client's delivered sequence is exactly the server's log (every seq once,
 * in order, no gap), each polling client only ever saw states from the log, in order, and
 * every client saw the terminal state.
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { startTestServer } from '../helpers/test-server.js';
import { count, figure } from './helpers/figures.js';
import { checkAgainstLog } from './helpers/log-check.js';
import { seededRandom } from './helpers/random.js';
import { resumingClient, TRANSPORTS, type ResumingClient } from './helpers/resuming-clients.js';
import { sized } from './helpers/size.js';
import { tickerJobType } from './helpers/ticker-job-type.js';

const EVENTS = sized(1000, 300);
const DISCONNECTS = sized(20, 8);

describe('torture 2: resume under disconnects', () => {
  it(`${count(EVENTS)} progress events, ${DISCONNECTS} random disconnects per transport (server destroys, client aborts): delivered sequence = the log, terminal state seen`, async () => {
    const random = seededRandom();
    const { url, server } = await startTestServer({ concurrency: 8 }, [tickerJobType]);
    // Server-side sockets by the client's port, so the server can cut a given client.
    const sockets = new Map<number, Socket>();
    server.app.server.on('connection', (socket: Socket) => {
      const port = socket.remotePort;
      if (port === undefined) return;
      sockets.set(port, socket);
      socket.on('close', () => sockets.delete(port));
    });
    const runs = await Promise.all(
      TRANSPORTS.map(async (transport) => {
        const job = await json<Job>(
          await postJson(`${url}/jobs`, {
            type: 'ticker',
            input: { events: EVENTS, intervalMs: 6 },
          }),
        );
        const client = resumingClient(transport, { baseUrl: () => url, jobId: job.id });
        const cuts = await cutRepeatedly(client, sockets, random, DISCONNECTS);
        await client.done;
        client.stop();
        const log = (await server.store.events(job.id, 0, 100_000))?.events ?? [];
        return {
          transport,
          client,
          cuts,
          delivery: checkAgainstLog(client, log),
          logLength: log.length,
        };
      }),
    );
    for (const run of runs) expect(run.cuts.server + run.cuts.client).toBe(DISCONNECTS);
    figure(
      `resume under disconnects: ${count(EVENTS)} progress events per job, per transport ` +
        runs
          .map(
            ({ transport, client, cuts, delivery, logLength }) =>
              `${transport} ${cuts.server} server cuts + ${cuts.client} client aborts, ` +
              `${client.connects} ${transport.endsWith('polling') ? 'requests' : 'connections'}, ` +
              `${count(delivery.received)} ${transport.endsWith('polling') ? 'snapshots' : `events of ${count(logLength)}`}`,
          )
          .join('; ') +
        `; 0 duplicates, 0 gaps, terminal state seen 4/4 (seed ${random.seed})`,
    );
  });
});

/**
 * Cuts the client's connection `n` times while it follows the job: cut k comes at a random
 * point of the k-th of n equal slices of the first 90 % of the log, measured by the seq the
 * client has received. So every cut lands while the job runs, however busy the machine is (a
 * schedule in milliseconds let the job end before the last cut when the machine was loaded).
 */
async function cutRepeatedly(
  client: ResumingClient,
  sockets: Map<number, Socket>,
  random: ReturnType<typeof seededRandom>,
  n: number,
): Promise<{ server: number; client: number }> {
  const cuts = { server: 0, client: 0 };
  const slice = (EVENTS * 0.9) / n;
  for (let i = 0; i < n; i++) {
    const atSeq = Math.floor((i + random.next()) * slice);
    const side = random.next() < 0.5 ? 'server' : 'client';
    // Bounded: the whole job takes seconds; a poller is between requests now and then.
    const deadline = performance.now() + 30_000;
    for (;;) {
      if (performance.now() > deadline) {
        throw new Error(`${client.transport}: no connection to cut after seq ${atSeq} in 30 s`);
      }
      if (receivedSeq(client) >= atSeq) {
        const socket = sockets.get(client.port() ?? -1);
        const cut = side === 'server' ? (socket?.destroy(), socket !== undefined) : client.abort();
        if (cut) {
          cuts[side]++;
          break;
        }
        // No connection in use (a poller between requests, whose requests last about a
        // millisecond): wake as the next one starts rather than hope a sampling tick lands
        // inside it; the tick still retries a server socket not yet accepted.
        await Promise.race([client.nextConnection(), sleep(1)]);
        continue;
      }
      await sleep(1);
    }
  }
  return cuts;
}

function receivedSeq(client: ResumingClient): number {
  return client.events.at(-1)?.seq ?? client.snapshots.at(-1)?.seq ?? 0;
}

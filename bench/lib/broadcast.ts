/**
 * The fan-out workload, shared by suite 3 and the scale suite: receivers in worker processes,
 * one publisher in this process, ~100-byte messages.
 * - paced: `rate` messages a second for `seconds`: CPU per delivered message at a load the
 *   server handles, the same for every server;
 * - flat-out: `messages` as fast as the server takes them, at most `window` in flight (the
 *   publisher receives its own broadcasts and counts them back), so nothing queues without
 *   bound and no server is compared while drowning.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connectBroadcast,
  type Broadcaster,
  type BroadcastClient,
} from '../clients/broadcast-clients.js';
import type { CountReport, ReceiversConfig } from '../clients/broadcast-receivers.js';
import {
  fromAll,
  share,
  sourceAddress,
  startWorkers,
  stopWorkers,
  type ClientWorker,
  type WorkerMessage,
} from './workers.js';

const RECEIVERS = new URL('../clients/broadcast-receivers.ts', import.meta.url).pathname;
const TEXT = 'x'.repeat(80); // with the index, ~100 bytes of JSON

export interface BroadcastOptions {
  kind: Broadcaster;
  /** Receivers spread over these servers; the publisher uses the first. */
  urls: string[];
  clients: number;
  workers: number;
  /** Server CPU seconds so far (all server processes involved). */
  cpuSeconds: () => number;
  paced: { rate: number; seconds: number };
  flatOut: { messages: number; window: number };
}

export interface BroadcastPhase {
  expected: number;
  delivered: number;
  /** From the first publish to the last delivery. */
  seconds: number;
  cpuSeconds: number;
}

export interface BroadcastResult {
  paced: BroadcastPhase;
  flatOut: BroadcastPhase;
}

export async function runBroadcast(options: BroadcastOptions): Promise<BroadcastResult> {
  const workers = startWorkers(RECEIVERS, options.workers, (i) => {
    const config: ReceiversConfig = {
      kind: options.kind,
      urls: options.urls,
      clients: share(options.clients, options.workers, i),
      address: sourceAddress(i),
    };
    return config;
  });
  let echoes = 0;
  let publisher: BroadcastClient | undefined;
  try {
    await fromAll<WorkerMessage>(workers, 'ready', 120_000);
    publisher = await connectBroadcast(options.kind, options.urls[0] ?? '', undefined, () => {
      echoes += 1;
    });
    const pub = publisher;
    let index = 0;
    const publish = () => {
      pub.publish({ i: index++, text: TEXT });
    };

    const paced = await phase(
      workers,
      options,
      options.paced.rate * options.paced.seconds,
      async (count) => {
        const start = performance.now();
        for (let k = 0; k < count; k++) {
          const due = start + (k * 1000) / options.paced.rate - performance.now();
          if (due > 0) await sleep(due);
          publish();
        }
      },
    );
    const flatOut = await phase(workers, options, options.flatOut.messages, async (count) => {
      const target = echoes + count;
      let sent = 0;
      const deadline = Date.now() + 60_000;
      while (echoes < target && Date.now() < deadline) {
        while (sent < count && sent - (echoes - (target - count)) < options.flatOut.window) {
          publish();
          sent += 1;
        }
        await sleep(1);
      }
    });
    return { paced, flatOut };
  } finally {
    publisher?.close();
    await stopWorkers(workers);
  }
}

async function counts(workers: ClientWorker[]): Promise<{ received: number; lastAt: number }> {
  for (const worker of workers) worker.send({ type: 'count' });
  const reports = await fromAll<CountReport>(workers, 'count', 10_000);
  return {
    received: reports.reduce((n, r) => n + r.received, 0),
    lastAt: Math.max(...reports.map((r) => r.lastAt)),
  };
}

/** Publishes `messages` with `send`, waits until every receiver has them (or 30 s), measures. */
async function phase(
  workers: ClientWorker[],
  options: BroadcastOptions,
  messages: number,
  send: (count: number) => Promise<void>,
): Promise<BroadcastPhase> {
  const before = await counts(workers);
  const expected = messages * options.clients;
  const cpuBefore = options.cpuSeconds();
  const startedAt = Date.now();
  await send(messages);
  const deadline = Date.now() + 30_000;
  let now = await counts(workers);
  while (now.received - before.received < expected && Date.now() < deadline) {
    await sleep(50);
    now = await counts(workers);
  }
  return {
    expected,
    delivered: now.received - before.received,
    seconds: (now.lastAt - startedAt) / 1000,
    cpuSeconds: options.cpuSeconds() - cpuBefore,
  };
}

/**
 * The client SDK (`src/client`) following one job over each transport, recording every
 * snapshot its watch yields, and the check of those snapshots against the job's log on the
 * server. Where resuming-clients.ts tests what the server gives a client that follows the
 * protocol, this tests that the SDK users are given actually follows it.
 */
import { expect } from 'vitest';
import {
  createClient,
  TRANSPORTS,
  type TransportName,
  type WatchStats,
} from '../../../src/client/index.js';
import { isTerminal, type Job, type JobEvent } from '../../../src/model/job.js';

export interface SdkWatcher {
  readonly transport: TransportName;
  readonly snapshots: Job[];
  readonly stats: Readonly<WatchStats>;
  /** Settles when the watch ends (terminal state, error, or stop()). */
  readonly done: Promise<void>;
  stop(): void;
}

export interface SdkWatcherOptions {
  baseUrl: string;
  jobId: string;
  /** How long a socket or stream may take to open (the SDK's default is 10 s). */
  connectTimeoutMs?: number;
  /** Long polling: seconds the server may hold a request. */
  longPollWaitSeconds?: number;
}

export function sdkWatchers(options: SdkWatcherOptions): SdkWatcher[] {
  return TRANSPORTS.map((transport) => sdkWatcher(transport, options));
}

function sdkWatcher(transport: TransportName, options: SdkWatcherOptions): SdkWatcher {
  const client = createClient({
    baseUrl: options.baseUrl,
    // Short delays: a case measures how soon clients are back, not the SDK's politeness.
    backoff: { initialMs: 50, maxMs: 500 },
  });
  const controller = new AbortController();
  const snapshots: Job[] = [];
  const watch = client.watch(options.jobId, {
    transport,
    signal: controller.signal,
    pollIntervalMs: 100,
    connectTimeoutMs: options.connectTimeoutMs,
    longPollWaitSeconds: options.longPollWaitSeconds,
  });
  const done = (async () => {
    try {
      for await (const job of watch) snapshots.push(job);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return {
    transport,
    snapshots,
    stats: watch.stats,
    done,
    stop: () => {
      controller.abort();
    },
  };
}

/**
 * Streams (SSE, WebSocket) must have yielded every seq of the log once, in order; polls only
 * states the log went through, never going back. Every watch ends on the terminal state.
 * Returns the number of snapshots checked.
 */
export function checkSdkAgainstLog(watcher: SdkWatcher, log: readonly JobEvent[]): number {
  const context = `SDK watch over ${watcher.transport}`;
  const bySeq = new Map(log.map((event) => [event.seq, event]));
  const streams = watcher.transport === 'sse' || watcher.transport === 'websocket';
  let previous = watcher.snapshots[0]?.seq ?? 0;
  for (const [index, job] of watcher.snapshots.entries()) {
    const event = bySeq.get(job.seq);
    expect(job, `${context}, seq ${job.seq}`).toMatchObject({
      status: event?.status,
      progress: event?.progress,
    });
    if (index === 0) continue;
    expect(job.seq, `${context}: each seq once, never back`).toBeGreaterThan(previous);
    if (streams) expect(job.seq, `${context}: no gap after ${previous}`).toBe(previous + 1);
    previous = job.seq;
  }
  const last = watcher.snapshots.at(-1);
  expect(last && isTerminal(last.status), `${context} ends on the terminal state`).toBe(true);
  expect(last?.seq, context).toBe(log.at(-1)?.seq);
  return watcher.snapshots.length;
}

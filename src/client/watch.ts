/**
 * `client.watch(job, { transport })`: an async iterable of the job's snapshots, from the one it
 * starts with to the terminal one, over the transport asked for. Whatever the transports do —
 * reconnect, replay after a reset, answer a poll with a state already seen — the watch yields
 * each seq at most once, in order, and always ends with the final state.
 *
 * `auto` tries WebSocket, then server-sent events, then long polling: a transport that cannot
 * make its first connection is given up for the next (`stats.fallbacks`); once one has
 * connected, it stays and reconnects.
 */
import { isTerminal, type Job } from '../model/job.js';
import type { BackoffOptions } from './backoff.js';
import type { Http } from './http.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './liveness.js';
import type { Runtime } from './runtime.js';
import {
  TransportUnavailable,
  type Transport,
  type TransportContext,
} from './transports/context.js';
import { longPoll } from './transports/long-poll.js';
import { shortPoll } from './transports/short-poll.js';
import { sse } from './transports/sse.js';
import { webSocket } from './transports/websocket.js';
import type { TransportChoice, TransportName, WatchStats, WireEntry } from './types.js';
import { WatchMeter } from './watch-meter.js';
import { WireLog } from './wire-log.js';

export interface WatchOptions {
  /** Default `auto`. */
  transport?: TransportChoice;
  /** Aborting ends the iteration with the signal's reason. */
  signal?: AbortSignal;
  /** Short polling: ms between polls (default: the server's Retry-After, else 1 s). */
  pollIntervalMs?: number;
  /** Long polling: seconds the server may hold each request (default 30). */
  longPollWaitSeconds?: number;
  /** How long a socket or event stream may take to answer (its first byte) before it fails (10 s). */
  connectTimeoutMs?: number;
  /** Called whenever a counter changes. */
  onStats?: (stats: Readonly<WatchStats>) => void;
  /** Called with each request, answer, message and close, as it happens (WireEntry). */
  onWire?: (entry: WireEntry) => void;
}

export interface JobWatch extends AsyncIterable<Job> {
  /** Live counters; `stats.transport` says which transport `auto` chose. */
  readonly stats: Readonly<WatchStats>;
}

const TRANSPORT_RUNNERS: Readonly<Record<TransportName, Transport>> = {
  'short-poll': shortPoll,
  'long-poll': longPoll,
  sse,
  websocket: webSocket,
};
const AUTO_ORDER: readonly TransportName[] = ['websocket', 'sse', 'long-poll'];

export interface WatchDependencies {
  http: Http;
  runtime: Runtime;
  backoff: BackoffOptions;
}

export function watchJob(
  target: string | Job,
  options: WatchOptions,
  deps: WatchDependencies,
): JobWatch {
  const meter = new WatchMeter(options.onStats);
  const wire = new WireLog(options.onWire);
  let started = false;
  return {
    stats: meter.stats,
    [Symbol.asyncIterator]() {
      if (started) throw new Error('a watch can be iterated once; call watch() again');
      started = true;
      return run(target, options, deps, { meter, wire });
    },
  };
}

async function* run(
  target: string | Job,
  options: WatchOptions,
  deps: WatchDependencies,
  { meter, wire }: { meter: WatchMeter; wire: WireLog },
): AsyncGenerator<Job> {
  // One signal for everything this watch opens; also aborted when the consumer stops early.
  const controller = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, controller.signal])
    : controller.signal;
  try {
    let current = typeof target === 'string' ? await read(target, deps, meter, signal) : target;
    yield current;
    if (isTerminal(current.status)) return;

    const choice = options.transport ?? 'auto';
    const order = choice === 'auto' ? AUTO_ORDER : [choice];
    for (const [index, name] of order.entries()) {
      meter.use(name);
      const context: TransportContext = {
        http: deps.http,
        runtime: deps.runtime,
        jobId: current.id,
        current: () => current,
        meter,
        wire: wire.for(name),
        signal,
        backoff: deps.backoff,
        mayFallBack: index < order.length - 1,
        pollIntervalMs: options.pollIntervalMs,
        longPollWaitSeconds: options.longPollWaitSeconds ?? 30,
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      };
      try {
        for await (const update of TRANSPORT_RUNNERS[name](context)) {
          // Only a reset may go back (the server lost history); nothing repeats a seq.
          const { seq } = update.job;
          if (seq === current.seq || (seq < current.seq && !update.reset)) continue;
          current = update.job;
          meter.delivered(update.at);
          yield current;
          if (isTerminal(current.status)) return;
        }
      } catch (error) {
        if (error instanceof TransportUnavailable) {
          meter.fellBack(name);
          continue;
        }
        throw error;
      }
    }
  } finally {
    controller.abort();
  }
}

/** The starting snapshot, when the caller gave only an id. */
async function read(id: string, deps: WatchDependencies, meter: WatchMeter, signal: AbortSignal) {
  meter.request();
  const answer = await deps.http.request({ path: `/jobs/${encodeURIComponent(id)}`, signal });
  meter.bytes(answer.bytes);
  return answer.body as Job;
}

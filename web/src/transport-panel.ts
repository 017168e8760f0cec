/**
 * One transport's panel: the job's progress and status as that transport sees it, and what it
 * cost — the counters that make the four patterns' trade-offs visible side by side.
 */
import type { Client, Job, TransportName, WatchStats } from '../../src/client/index.js';
import { el, formatBytes, formatMs } from './dom.js';

const TITLES: Readonly<Record<TransportName, string>> = {
  'short-poll': 'Short polling',
  'long-poll': 'Long polling',
  sse: 'Server-sent events',
  websocket: 'WebSocket push',
};

const COUNTERS = [
  ['requests', 'HTTP requests'],
  ['empty', 'requests without news'],
  ['connections', 'connections opened'],
  ['updates', 'events seen'],
  ['bytes', 'bytes received'],
  ['lastDelay', 'delay, last'],
  ['meanDelay', 'delay, mean'],
  ['reconnects', 'reconnects'],
] as const;
type Counter = (typeof COUNTERS)[number][0];

export class TransportPanel {
  readonly transport: TransportName;
  readonly #root: HTMLElement;
  readonly #how = el('p', { className: 'how' });
  readonly #progress = el('progress');
  readonly #status = el('p', { text: 'waiting for a job' });
  readonly #counters = new Map<Counter, HTMLElement>();

  constructor(transport: TransportName, container: HTMLElement) {
    this.transport = transport;
    this.#progress.max = 100;
    this.#progress.value = 0;
    const list = el('dl');
    for (const [key, label] of COUNTERS) {
      const value = el('dd', { text: '0' });
      value.dataset.counter = key;
      this.#counters.set(key, value);
      list.append(el('dt', { text: label }), value);
    }
    this.#root = el(
      'article',
      { className: 'panel' },
      el('h3', { text: TITLES[transport] }),
      this.#how,
      this.#progress,
      this.#status,
      list,
    );
    this.#root.dataset.transport = transport;
    container.append(this.#root);
  }

  /** Follows `job` until it ends or `signal` aborts; never throws (errors are shown). */
  async watch(client: Client, job: Job, pollIntervalMs: number, signal: AbortSignal) {
    this.#how.textContent = describe(this.transport, pollIntervalMs);
    delete this.#root.dataset.status;
    const watch = client.watch(job, {
      transport: this.transport,
      pollIntervalMs,
      signal,
      onStats: (stats) => {
        this.#showStats(stats);
      },
    });
    try {
      for await (const snapshot of watch) this.#showJob(snapshot);
    } catch (error) {
      if (signal.aborted) return;
      this.#status.textContent = `error: ${error instanceof Error ? error.message : String(error)}`;
      this.#status.className = 'error';
    }
  }

  #showJob(job: Job): void {
    this.#progress.value = job.progress;
    this.#status.textContent = `${job.status}, ${job.progress}% (seq ${job.seq})`;
    this.#status.className = `status-${job.status}`;
    this.#root.dataset.status = job.status;
    this.#root.dataset.progress = String(job.progress);
    this.#root.dataset.seq = String(job.seq);
  }

  #showStats(stats: Readonly<WatchStats>): void {
    const shown: Record<Counter, string> = {
      requests: String(stats.requests),
      // Polls answered "nothing new" (304, or a long poll's timeout): the waste polling costs.
      empty: String(Math.max(0, stats.requests - stats.updates)),
      connections: String(stats.connections),
      updates: String(stats.updates),
      bytes: formatBytes(stats.bytes),
      lastDelay: formatMs(stats.lastDelayMs),
      meanDelay: formatMs(stats.meanDelayMs),
      reconnects: String(stats.reconnects),
    };
    for (const [key, text] of Object.entries(shown) as [Counter, string][]) {
      const element = this.#counters.get(key);
      if (element && element.textContent !== text) element.textContent = text;
    }
  }
}

function describe(transport: TransportName, pollIntervalMs: number): string {
  switch (transport) {
    case 'short-poll':
      return `GET /jobs/:id every ${pollIntervalMs} ms; 304 when nothing changed`;
    case 'long-poll':
      return 'GET /jobs/:id?after=<seq>&wait=30, held until the job changes';
    case 'sse':
      return 'GET /jobs/:id/events: one response, each event as it happens';
    case 'websocket':
      return 'one socket to /ws, subscribed to job:<id>; events pushed';
  }
}

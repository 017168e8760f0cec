/**
 * One transport's panel: the job's progress and status as that transport sees it, and what it
 * cost — the counters that make the four patterns' trade-offs visible side by side. A counter
 * that does not apply to a pattern shows a dash and says why (polling holds no connection;
 * a stream has no empty answers).
 */
import {
  isTerminal,
  type Client,
  type Job,
  type TransportName,
  type WatchStats,
  type WireEntry,
} from '../../src/client/index.js';
import { el, formatBytes, formatMs, messageOf } from './dom.js';
import { TITLES } from './transport-titles.js';

const POLLING: ReadonlySet<TransportName> = new Set(['short-poll', 'long-poll']);

const COUNTERS = [
  ['requests', 'HTTP requests'],
  ['empty', 'answers without news'],
  ['connections', 'streams or sockets opened'],
  ['updates', 'changes seen'],
  ['bytes', 'bytes received'],
  ['lastDelay', 'delay, last'],
  ['meanDelay', 'delay, mean'],
  ['reconnects', 'reconnects and retries'],
] as const;
type Counter = (typeof COUNTERS)[number][0];

const NOT_APPLICABLE: Partial<Record<Counter, string>> = {
  connections: 'none held open: each poll is a request of its own',
  empty: 'a stream sends only news',
};

export interface WatchSettings {
  /** Short polling's interval; undefined: as the server's Retry-After says. */
  pollIntervalMs: number | undefined;
  signal: AbortSignal;
  onWire: (entry: WireEntry) => void;
  /** The job's final snapshot, the moment this transport sees it. */
  onFinished: (job: Job) => void;
}

export class TransportPanel {
  readonly transport: TransportName;
  readonly #root: HTMLElement;
  readonly #how = el('p', { className: 'how' });
  readonly #progress = el('progress');
  readonly #status = el('p', { text: 'waiting for a job' });
  readonly #counters = new Map<Counter, HTMLElement>();
  #retryAfterS: number | undefined;

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

  /** Follows `job` until it ends or the signal aborts; resolves with the last snapshot seen. */
  async watch(client: Client, job: Job, settings: WatchSettings): Promise<Job | undefined> {
    const { pollIntervalMs, signal } = settings;
    this.#retryAfterS = undefined;
    this.#how.textContent = this.#describe(pollIntervalMs);
    delete this.#root.dataset.status;
    const watch = client.watch(job, {
      transport: this.transport,
      pollIntervalMs,
      signal,
      onStats: (stats) => {
        this.#showStats(stats);
      },
      onWire: (entry) => {
        const hint = entry.kind === 'response' ? entry.retryAfterS : undefined;
        if (hint !== undefined && hint !== this.#retryAfterS) {
          this.#retryAfterS = hint;
          this.#how.textContent = this.#describe(pollIntervalMs);
        }
        settings.onWire(entry);
      },
    });
    let last: Job | undefined;
    try {
      for await (const snapshot of watch) {
        last = snapshot;
        this.#showJob(snapshot);
        if (isTerminal(snapshot.status)) settings.onFinished(snapshot);
      }
    } catch (error) {
      if (signal.aborted) return last;
      this.#status.textContent = `error: ${messageOf(error)}`;
      this.#status.className = 'error';
    }
    return last;
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
    const polling = POLLING.has(this.transport);
    for (const [key, text] of Object.entries(shown) as [Counter, string][]) {
      const element = this.#counters.get(key);
      if (!element) continue;
      const applies = key === 'connections' ? !polling : key === 'empty' ? polling : true;
      const value = applies ? text : '–';
      if (element.textContent !== value) element.textContent = value;
      element.title = applies ? '' : (NOT_APPLICABLE[key] ?? '');
    }
  }

  #describe(pollIntervalMs: number | undefined): string {
    switch (this.transport) {
      case 'short-poll': {
        const every =
          pollIntervalMs !== undefined
            ? `every ${pollIntervalMs} ms`
            : `every ${this.#retryAfterS ?? '…'} s, as the server's Retry-After says`;
        return `GET /jobs/:id ${every}; 304 when nothing changed`;
      }
      case 'long-poll':
        return 'GET /jobs/:id?after=<seq>&wait=30, held until the job changes';
      case 'sse':
        return 'GET /jobs/:id/events: one response, each event as it happens';
      case 'websocket':
        return 'one socket to /ws, subscribed to job:<id>; events pushed';
    }
  }
}

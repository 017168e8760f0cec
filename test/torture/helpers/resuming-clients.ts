/**
 * Minimal clients that follow one job to its end over each transport and resume by the
 * protocol (docs/protocol.md) whenever their connection breaks: SSE with Last-Event-ID,
 * WebSocket with `subscribe … after`, long polling with `after`, short polling by asking
 * again. They are deliberately small — the SDK's job — so the torture cases test the server's
 * side of resuming: what a client that follows the protocol receives.
 *
 * A client treats silence longer than `silenceMs` (no byte, heartbeat or answer) as a dead
 * connection and reconnects, which is how it notices a frozen server. `baseUrl()` is read on
 * every connect, so a case can move the client to another server (restart, failover).
 */
import { request, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { isTerminal, type Job, type JobEvent } from '../../../src/model/job.js';

export type Transport = 'short-polling' | 'long-polling' | 'sse' | 'websocket';
export const TRANSPORTS: readonly Transport[] = [
  'short-polling',
  'long-polling',
  'sse',
  'websocket',
];

export interface ClientOptions {
  baseUrl: () => string;
  jobId: string;
  /** Silence after which the connection is treated as dead (default 10 s). */
  silenceMs?: number;
  /** Pause before reconnecting (default 20 ms). */
  retryMs?: number;
}

export interface Snapshot {
  seq: number;
  status: Job['status'];
  progress: number;
}

export interface ResumingClient {
  readonly transport: Transport;
  /** Events delivered, in order, across connections (SSE, WebSocket). */
  readonly events: (JobEvent & { conflated?: number })[];
  /** Job snapshots answered (polling). */
  readonly snapshots: Snapshot[];
  /** Connections (or requests) made. */
  connects: number;
  /** Connections it gave up on because they fell silent. */
  silences: number;
  /** Resets received (history gone): must stay 0 here. */
  resets: number;
  /** The local port of the connection in use, for a server-side cut. */
  port(): number | undefined;
  /** Drops the connection in use from the client side; false when there is none. */
  abort(): boolean;
  /** Resolves when the client next opens a connection (or request). */
  nextConnection(): Promise<void>;
  /** Resolves once the job's terminal state was seen. */
  readonly done: Promise<void>;
  stop(): void;
}

export function resumingClient(transport: Transport, options: ClientOptions): ResumingClient {
  switch (transport) {
    case 'sse':
      return new SseClient(options);
    case 'websocket':
      return new WebSocketClient(options);
    case 'long-polling':
      return new PollingClient(options, true);
    case 'short-polling':
      return new PollingClient(options, false);
  }
}

abstract class BaseClient implements ResumingClient {
  abstract readonly transport: Transport;
  readonly events: (JobEvent & { conflated?: number })[] = [];
  readonly snapshots: Snapshot[] = [];
  connects = 0;
  silences = 0;
  resets = 0;
  readonly done: Promise<void>;
  protected readonly options: Required<ClientOptions>;
  protected stopped = false;
  protected finished = false;
  #resolve!: () => void;
  #connectionWaiters: (() => void)[] = [];

  constructor(options: ClientOptions) {
    this.options = { silenceMs: 10_000, retryMs: 20, ...options };
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    setImmediate(() => void this.#loop());
  }

  abstract port(): number | undefined;
  abstract abort(): boolean;
  /** One connection: resolves when it ends, for whatever reason. */
  protected abstract connect(): Promise<void>;

  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? this.snapshots.at(-1)?.seq ?? 0;
  }

  stop(): void {
    this.stopped = true;
    this.abort();
  }

  nextConnection(): Promise<void> {
    return new Promise((resolve) => this.#connectionWaiters.push(resolve));
  }

  /** A connection (or request) is in use from now: wakes whoever waits to cut one. */
  protected connectionStarted(): void {
    const waiters = this.#connectionWaiters;
    this.#connectionWaiters = [];
    for (const wake of waiters) wake();
  }

  protected finish(): void {
    this.finished = true;
    this.#resolve();
  }

  async #loop(): Promise<void> {
    while (this.#going()) {
      this.connects++;
      await this.connect().catch(() => undefined);
      if (this.#going()) await sleep(this.options.retryMs);
    }
  }

  /** A method, not the fields, after an await: finish() and stop() change them meanwhile. */
  #going(): boolean {
    return !this.stopped && !this.finished;
  }
}

/** Resets a timer on every sign of life; calls `onSilence` when it runs out. */
function watchdog(ms: number, onSilence: () => void): { alive(): void; clear(): void } {
  const timer = setTimeout(onSilence, ms);
  return {
    alive: () => timer.refresh(),
    clear: () => {
      clearTimeout(timer);
    },
  };
}

/** A client whose connection is one node:http request at a time (SSE, polling). */
abstract class HttpClient extends BaseClient {
  #request: ClientRequest | undefined;
  #socket: Socket | undefined;

  port(): number | undefined {
    return this.#socket?.localPort;
  }

  abort(): boolean {
    if (!this.#request || this.#request.destroyed) return false;
    this.#request.destroy();
    return true;
  }

  /** Makes `req` the connection in use, until `release`. */
  protected track(req: ClientRequest): void {
    this.#request = req;
    req.on('socket', (socket) => {
      this.#socket = socket;
      this.connectionStarted();
    });
  }

  protected release(): void {
    this.#request = undefined;
    this.#socket = undefined;
  }
}

class SseClient extends HttpClient {
  readonly transport = 'sse';

  protected connect(): Promise<void> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (this.lastSeq > 0) headers['last-event-id'] = String(this.lastSeq);
      const url = `${this.options.baseUrl()}/jobs/${this.options.jobId}/events`;
      const req = request(url, { headers, agent: false });
      this.track(req);
      const dog = watchdog(this.options.silenceMs, () => {
        this.silences++;
        req.destroy();
      });
      const end = () => {
        dog.clear();
        this.release();
        resolve();
      };
      req.on('error', end);
      req.on('close', end);
      req.on('response', (response) => {
        if (response.statusCode === 204 && this.#sawTerminal()) this.finish();
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          dog.alive();
          buffer += chunk;
          let at = buffer.indexOf('\n\n');
          while (at >= 0) {
            this.#onBlock(buffer.slice(0, at));
            buffer = buffer.slice(at + 2);
            at = buffer.indexOf('\n\n');
          }
        });
        response.on('error', () => undefined);
      });
      req.end();
    });
  }

  #onBlock(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0) return;
    if (event === 'reset') {
      this.resets++;
      return;
    }
    const parsed = JSON.parse(data.join('\n')) as JobEvent;
    this.events.push(parsed);
    if (isTerminal(parsed.status)) this.finish();
  }

  #sawTerminal(): boolean {
    const last = this.events.at(-1);
    return last !== undefined && isTerminal(last.status);
  }
}

class WebSocketClient extends BaseClient {
  readonly transport = 'websocket';
  #ws: WebSocket | undefined;
  #port: number | undefined;

  port(): number | undefined {
    return this.#port;
  }

  abort(): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return false;
    ws.terminate();
    return true;
  }

  protected connect(): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${this.options.baseUrl().replace(/^http/, 'ws')}/ws`);
      this.#ws = ws;
      const dog = watchdog(this.options.silenceMs, () => {
        this.silences++;
        ws.terminate();
      });
      ws.on('upgrade', (response) => {
        this.#port = response.socket.localPort;
        this.connectionStarted();
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        dog.clear();
        this.#ws = undefined;
        this.#port = undefined;
        resolve();
      });
      // Protocol pings prove the server alive as much as messages do.
      ws.on('ping', () => {
        dog.alive();
      });
      ws.on('open', () => {
        ws.send(
          JSON.stringify({
            type: 'subscribe',
            topic: `job:${this.options.jobId}`,
            after: this.lastSeq,
          }),
        );
      });
      ws.on('message', (raw: Buffer) => {
        dog.alive();
        const message = JSON.parse(raw.toString()) as {
          type: string;
          data?: JobEvent;
          conflated?: number;
          reason?: string;
          code?: string;
        };
        if (message.type === 'event' && message.data) {
          this.events.push({
            ...message.data,
            ...(message.conflated ? { conflated: message.conflated } : {}),
          });
        } else if (message.type === 'reset') this.resets++;
        else if (message.type === 'unsubscribed' && message.reason === 'ended') {
          this.finish();
          ws.close(1000);
        } else if (message.type === 'error') ws.terminate(); // store unavailable, say: retry
      });
    });
  }
}

class PollingClient extends HttpClient {
  readonly transport: Transport;
  readonly #long: boolean;

  constructor(options: ClientOptions, long: boolean) {
    super(options);
    this.#long = long;
    this.transport = long ? 'long-polling' : 'short-polling';
  }

  protected async connect(): Promise<void> {
    const query = this.#long ? `?after=${this.lastSeq}&wait=5` : '';
    const url = `${this.options.baseUrl()}/jobs/${this.options.jobId}${query}`;
    const job = await new Promise<Job | undefined>((resolve) => {
      const req = request(url, { agent: false });
      this.track(req);
      const dog = watchdog(this.options.silenceMs + (this.#long ? 5000 : 0), () => {
        this.silences++;
        req.destroy();
      });
      const end = (value?: Job) => {
        dog.clear();
        this.release();
        resolve(value);
      };
      req.on('error', () => {
        end();
      });
      req.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('error', () => {
          end();
        });
        response.on('end', () => {
          end(response.statusCode === 200 ? (JSON.parse(body) as Job) : undefined);
        });
      });
      req.end();
    });
    if (!job) return;
    this.snapshots.push({ seq: job.seq, status: job.status, progress: job.progress });
    if (isTerminal(job.status)) this.finish();
    else if (!this.#long) await sleep(10); // short polling: a fixed, short interval
  }
}

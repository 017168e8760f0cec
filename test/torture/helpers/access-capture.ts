/**
 * What a client observes, as one comparable string: an HTTP answer (status, every header but
 * Date in the order sent, the body), a WebSocket reply or a refused upgrade, an EventSource's
 * first event, an SDK call's outcome. `normaliser` replaces the job id (in every spelling the
 * request used) with `<id>`, so "someone else's job" and "no such job" can be compared byte for
 * byte. Every wait is bounded: no answer in time is itself an observation, `no answer`.
 */
import { request, type Agent } from 'node:http';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { isClientError } from '../../../src/client/index.js';

export const NO_ANSWER = 'no answer';

/** Replaces each of `forms` (longest first, any letter case) with `<id>`. */
export function normaliser(forms: readonly string[]): (text: string) => string {
  const escaped = [...new Set(forms.filter((f) => f.length > 0))]
    .sort((a, b) => b.length - a.length)
    .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (escaped.length === 0) return (text) => text;
  const pattern = new RegExp(escaped.join('|'), 'gi');
  return (text) => text.replace(pattern, '<id>');
}

export interface HttpCall {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  /** `name: value`, lower-case names, in the order sent, without Date. */
  headers: string[];
  body: string;
  elapsedMs: number;
}

/**
 * One request, read to its end. An event stream that does not end within `streamMs` is cut
 * and marked so (a job followed live would never end; bob's finished ones end at once, and the
 * margin is wide so that a loaded machine does not cut one of a pair and not the other).
 */
export function httpCall(
  url: string,
  call: HttpCall,
  agent: Agent | undefined,
  timeoutMs = 10_000,
  streamMs = 5000,
): Promise<HttpAnswer | undefined> {
  const started = performance.now();
  return new Promise((resolve) => {
    const outgoing = request(`${url}${call.path}`, {
      method: call.method ?? 'GET',
      headers: call.headers,
      agent: agent ?? false,
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      resolve(undefined);
    }, timeoutMs);
    outgoing.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    outgoing.on('response', (response) => {
      const headers: string[] = [];
      const raw = response.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = (raw[i] ?? '').toLowerCase();
        if (name !== 'date') headers.push(`${name}: ${raw[i + 1] ?? ''}`);
      }
      let body = '';
      const finish = (cut: boolean) => {
        clearTimeout(timer);
        clearTimeout(streamTimer);
        resolve({
          status: response.statusCode ?? 0,
          headers,
          body: cut ? `${body}\n[cut after ${streamMs} ms]` : body,
          elapsedMs: performance.now() - started,
        });
      };
      const streaming = (response.headers['content-type'] ?? '').startsWith('text/event-stream');
      const streamTimer = setTimeout(() => {
        if (!streaming) return;
        finish(true);
        outgoing.destroy();
      }, streamMs);
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        finish(false);
      });
      response.on('error', () => undefined);
    });
    outgoing.end(call.body);
  });
}

export function renderHttp(answer: HttpAnswer | undefined): string {
  if (!answer) return NO_ANSWER;
  return `${answer.status}\n${answer.headers.join('\n')}\n\n${answer.body}`;
}

/** Promises that resolve when a condition holds, re-checked whenever `notify` is called. */
export class Waiters {
  readonly #checks = new Set<() => void>();

  notify(): void {
    for (const check of [...this.#checks]) check();
  }

  until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${what}: not within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#checks.delete(check);
      };
      this.#checks.add(check);
      check();
    });
  }
}

export type WsMessage = Record<string, unknown> & { type: string };

/** A `ws` client that records every message and matches replies to requests by `id`. */
export class WsClient {
  readonly messages: WsMessage[] = [];
  /** Ids this client put on its requests: replies carry them back. */
  readonly requestIds = new Set<string>();
  readonly waiters = new Waiters();
  readonly #ws: WebSocket;
  #next = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString()) as WsMessage);
      this.waiters.notify();
    });
    ws.on('error', () => undefined);
  }

  /** Opens `/ws` (with `query`, e.g. `?access_token=…`) and waits for the welcome. */
  static async open(
    url: string,
    headers: Record<string, string> = {},
    query = '',
  ): Promise<WsClient> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${query}`, { headers });
    const client = new WsClient(ws);
    await client.waitFor((m) => m.type === 'welcome');
    return client;
  }

  /** Sends `message` with a fresh `id`; resolves with the reply that carries it, if any. */
  async request(message: Record<string, unknown>, timeoutMs = 10_000) {
    const id = `r${this.#next++}`;
    this.requestIds.add(id);
    this.#ws.send(JSON.stringify({ ...message, id }));
    return this.waitFor((m) => m.id === id, timeoutMs).catch(() => undefined);
  }

  async waitFor(predicate: (message: WsMessage) => boolean, timeoutMs = 10_000) {
    let found: WsMessage | undefined;
    await this.waiters.until(
      () => (found = this.messages.find(predicate)) !== undefined,
      timeoutMs,
      'WebSocket message',
    );
    return found as WsMessage;
  }

  close(): void {
    this.#ws.terminate();
  }
}

/** A reply without its request id (which differs by construction), as text. */
export function renderReply(reply: WsMessage | undefined): string {
  if (!reply) return NO_ANSWER;
  return JSON.stringify(Object.fromEntries(Object.entries(reply).filter(([key]) => key !== 'id')));
}

/** Opens `/ws` once: `opened`, or the refusal (status, headers, body) as `renderHttp` has it. */
export function wsUpgrade(
  url: string,
  headers: Record<string, string>,
  query: string,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${query}`, { headers });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(NO_ANSWER);
    }, timeoutMs);
    ws.on('error', () => undefined);
    ws.on('open', () => {
      clearTimeout(timer);
      ws.terminate();
      resolve('opened');
    });
    ws.on('unexpected-response', (_request, response) => {
      const lines: string[] = [];
      for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
        const name = (response.rawHeaders[i] ?? '').toLowerCase();
        if (name !== 'date') lines.push(`${name}: ${response.rawHeaders[i + 1] ?? ''}`);
      }
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        clearTimeout(timer);
        ws.terminate();
        resolve(`${response.statusCode ?? 0}\n${lines.join('\n')}\n\n${body}`);
      });
    });
  });
}

/**
 * The `eventsource` package's view of a stream: its first `open` or `error` (with the status
 * it reports), then closed. `headers` go on its requests (EventSource itself sends none).
 */
export function eventSourceOutcome(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve) => {
    const source = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...headers } }),
    });
    const done = (outcome: string) => {
      clearTimeout(timer);
      source.close();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      done(NO_ANSWER);
    }, timeoutMs);
    source.addEventListener('open', () => {
      done('open');
    });
    source.addEventListener('error', (event) => {
      done(`error ${String(event.code)} ${event.message ?? ''} readyState ${source.readyState}`);
    });
  });
}

/** An SDK call's outcome: what it resolved with, or the error it rejected with, as text. */
export async function sdkOutcome(run: () => Promise<unknown>): Promise<string> {
  try {
    return `resolved ${JSON.stringify(await run())}`;
  } catch (error) {
    if (isClientError(error)) {
      const { name, code, status, message, problem } = error;
      return `rejected ${JSON.stringify({ name, code, status, message, problem })}`;
    }
    // The probe's own deadline: the SDK neither resolved nor rejected in time.
    if (error instanceof Error && error.name === 'TimeoutError') return NO_ANSWER;
    return `rejected ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
}

/** Every item an async iterable yields, then how it ended (an SDK watch). */
export async function iterationOutcome(iterable: AsyncIterable<unknown>): Promise<string> {
  const yielded: unknown[] = [];
  const end = await sdkOutcome(async () => {
    for await (const item of iterable) yielded.push(item);
    return 'ended';
  });
  return `${JSON.stringify(yielded)} then ${end}`;
}

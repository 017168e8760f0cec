/**
 * A real `ws` client for WebSocket tests: records every message the server sends, and waits
 * for messages and for the close by event (no sleeps). Terminated when the test finishes.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { onTestFinished } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';

export type Received = Record<string, unknown> & { type: string };

export interface TestClient {
  ws: WebSocket;
  /** Every message received so far, parsed, in order. */
  messages: Received[];
  send(message: unknown): void;
  /** Resolves with the first message, received or still to come, that matches. */
  waitFor(predicate: (message: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Resolves when the socket closes, with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/ws`;
}

/** `query` (e.g. `?access_token=…`) is appended to the /ws URL. */
export async function connect(
  httpUrl: string,
  options: ClientOptions = {},
  query = '',
): Promise<TestClient> {
  const ws = new WebSocket(`${wsUrl(httpUrl)}${query}`, options);
  onTestFinished(() => {
    ws.terminate();
  });
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString()) as Received);
    for (const check of [...waiters]) check();
  });
  const closed = once(ws, 'close').then(([code, reason]) => ({
    code: code as number,
    reason: String(reason),
  }));
  await once(ws, 'open');
  const client: TestClient = {
    ws,
    messages,
    send(message) {
      ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching message; got ${JSON.stringify(messages.slice(-5))}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    closed,
  };
  await client.waitFor((m) => m.type === 'welcome');
  return client;
}

/** The HTTP status of a WebSocket upgrade (101 when it succeeds; the socket is then closed). */
export async function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(wsUrl(url), { headers });
  ws.on('error', () => undefined);
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_request, response: IncomingMessage) => {
      resolve(response.statusCode ?? 0);
    });
    ws.once('upgrade', () => {
      resolve(101);
    });
  });
  ws.terminate();
  return status;
}

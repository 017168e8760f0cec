/**
 * A small webhook receiver, the other half of the chapter: it verifies each signature
 * (verify-signature.ts, node:crypto only), rejects stale timestamps, and drops a delivery it
 * has already seen — same `webhook-id` — answering 200 so the sender stops retrying.
 *
 * `respond` scripts how it answers the n-th request (1, 2, 3, …): a status code, or `hang`
 * to never answer — the chapter uses it to show retries, the tests to make them happen.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookPayload } from '../../src/model/webhook.js';
import { verifySignature } from './verify-signature.js';

export type Answer = number | 'hang';

export interface Received {
  id: string;
  /** The n-th request this receiver got (attempts included). */
  request: number;
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
  payload: WebhookPayload | undefined;
  /** What it answered; `duplicate` when the id was already processed. */
  answer: Answer | 'duplicate' | 'rejected';
  reason?: string;
}

export interface ReceiverOptions {
  secrets: readonly string[];
  respond?: (request: number) => Answer;
  host?: string;
  port?: number;
  onRequest?: (received: Received) => void;
}

export interface Receiver {
  url: string;
  /** Every request, in arrival order. */
  readonly requests: Received[];
  /** Ids processed once each (the deduplicated deliveries). */
  readonly processed: Set<string>;
  /** Lets the process exit while it still listens (the chapter's Ctrl-C ends the server only). */
  unref(): void;
  close(): Promise<void>;
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const requests: Received[] = [];
  const processed = new Set<string>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verdict = verifySignature(options.secrets, request.headers, body);
      const received: Received = {
        id: String(request.headers['webhook-id'] ?? ''),
        request: requests.length + 1,
        at: Date.now(),
        headers: request.headers,
        body,
        payload: parse(body),
        answer: 'rejected',
      };
      requests.push(received);
      if (!verdict.ok) {
        received.reason = verdict.reason;
        options.onRequest?.(received);
        response.writeHead(401).end(verdict.reason);
        return;
      }
      const answer = options.respond?.(received.request) ?? 200;
      received.answer = processed.has(verdict.id) ? 'duplicate' : answer;
      options.onRequest?.(received);
      if (received.answer === 'duplicate') {
        response.writeHead(200).end('duplicate');
      } else if (answer === 'hang') {
        hanging.add(response); // never answers: the sender's timeout must end it
      } else {
        if (answer >= 200 && answer < 300) processed.add(verdict.id);
        response.writeHead(answer).end();
      }
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}/hooks`,
    requests,
    processed,
    unref() {
      server.unref();
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

function parse(body: string): WebhookPayload | undefined {
  try {
    return JSON.parse(body) as WebhookPayload;
  } catch {
    return undefined;
  }
}

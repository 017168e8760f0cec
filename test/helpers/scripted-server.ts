/**
 * A bare node:http server on 127.0.0.1:0 whose answers a test writes request by request — for
 * what the real server never does on purpose: fall silent mid-stream, answer 503 then 204.
 * It records every request, and counts the body bytes it writes so byte counters can be
 * checked exactly. Closed (every connection with it) when the test finishes.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import type { ErrorCode } from '../../src/model/errors/catalogue.js';
import { formatEvent, formatHeartbeatInterval, formatRetry } from '../../src/model/sse-frame.js';

export interface ScriptedRequest {
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  /** performance.now() when it arrived. */
  at: number;
  /** Resolves when the client closes the connection (or the server ends it). */
  closed: Promise<void>;
}

export interface Answer {
  res: ServerResponse;
  /** Writes body text and counts its bytes. */
  write(text: string): void;
  /** 200 text/event-stream, `retry:`, and `: heartbeat-ms` unless `heartbeatMs` is undefined. */
  openStream(heartbeatMs: number | undefined): void;
  event(id: number, event: string, data: unknown): void;
  problem(status: number, code: ErrorCode): void;
}

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  /** Body bytes written so far, on every answer. */
  bytesWritten(): number;
}

export async function scriptedServer(
  script: (answer: Answer, request: ScriptedRequest, index: number) => void,
): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  let written = 0;
  const server = createServer((req, res) => {
    const request: ScriptedRequest = {
      url: req.url ?? '',
      headers: req.headers,
      at: performance.now(),
      closed: new Promise((resolve) => res.once('close', resolve)),
    };
    requests.push(request);
    const answer: Answer = {
      res,
      write(text) {
        written += Buffer.byteLength(text);
        res.write(text);
      },
      openStream(heartbeatMs) {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        answer.write(formatRetry(3000));
        if (heartbeatMs !== undefined) answer.write(formatHeartbeatInterval(heartbeatMs));
      },
      event(id, event, data) {
        answer.write(formatEvent({ id: String(id), event, data: JSON.stringify(data) }));
      },
      problem(status, code) {
        const body = JSON.stringify({
          type: `/errors/${code}`,
          title: code,
          status,
          detail: code,
          code,
        });
        res.writeHead(status, { 'content-type': 'application/problem+json' });
        answer.write(body);
        res.end();
      },
    };
    script(answer, request, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, bytesWritten: () => written };
}

/**
 * Event-stream helpers for tests that look at the bytes: a small parser following the HTML
 * spec's rules for fields, comments and blank lines, and a plain node:http reader (no
 * EventSource logic, no reconnects).
 */
import { get, type IncomingHttpHeaders } from 'node:http';
import { onTestFinished } from 'vitest';

export interface ParsedEvent {
  id?: string;
  event: string;
  data: string;
}

export interface ParsedStream {
  events: ParsedEvent[];
  comments: string[];
  retry?: number;
}

/** Parses complete blocks of an event stream the way the HTML spec says clients do. */
export function parseEventStream(text: string): ParsedStream {
  const parsed: ParsedStream = { events: [], comments: [] };
  const blocks = text.split(/\r\n\r\n|\n\n|\r\r/);
  blocks.pop(); // an unfinished block is not an event yet
  for (const block of blocks) {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line.startsWith(':')) {
        parsed.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry') parsed.retry = Number(value);
    }
    if (data.length > 0) parsed.events.push({ id, event, data: data.join('\n') });
  }
  return parsed;
}

export interface StreamReader {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  parsed(): ParsedStream;
  /** Resolves when the server ends the response (or the socket closes). */
  ended: Promise<void>;
  close(): void;
}

/** Opens `url` with node:http and keeps reading; closed when the test finishes. */
export async function readEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<StreamReader> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { accept: 'text/event-stream', ...headers } });
    request.on('error', reject);
    request.on('response', (response) => {
      let received = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (received += chunk));
      const ended = new Promise<void>((done) => {
        response.on('close', done);
      });
      onTestFinished(() => {
        request.destroy();
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        text: () => received,
        parsed: () => parseEventStream(received),
        ended,
        close: () => request.destroy(),
      });
    });
  });
}

/** Reassembles a `Transfer-Encoding: chunked` body read from a raw socket. */
export function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

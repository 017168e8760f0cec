/**
 * One message written to many event streams is formatted once per id (sse-stream.ts): every
 * stream must still get its own id — its own cursor list when multiplexed, the seq otherwise —
 * whatever order the streams with equal and different positions come in.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { transportMetrics } from '../src/edge/transport-metrics.js';
import {
  SseStream,
  type SseStreamOptions,
  type StreamMessage,
} from '../src/transports/sse-stream.js';
import { readEventStream, type StreamReader } from './helpers/sse.js';

const A = '3f1c2a9e-8b7d-4c1e-9f2a-5b6c7d8e9f01';
const B = '00000000-0000-4000-8000-000000000001';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((done) => server?.close(done));
  server = undefined;
});

/** A server whose n-th request becomes a stream with the n-th cursors (undefined: plain ids). */
async function streamsWith(
  cursors: (Map<string, number> | undefined)[],
): Promise<{ streams: SseStream[]; readers: StreamReader[] }> {
  const metrics = transportMetrics(new Registry());
  const options: SseStreamOptions = {
    heartbeatMs: 60_000,
    retryMs: 3000,
    maxBuffer: 1 << 20,
    metrics,
    bytesSent: metrics.bytesSent('sse'),
    closed: () => undefined,
  };
  const streams: SseStream[] = [];
  const opened: (() => void)[] = [];
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const stream = new SseStream(response, options, cursors[streams.length]);
    streams.push(stream);
    stream.start();
    opened.shift()?.();
  });
  await new Promise<void>((listening) => server?.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  const readers: StreamReader[] = [];
  for (let i = 0; i < cursors.length; i++) {
    const ready = new Promise<void>((done) => opened.push(done));
    readers.push(await readEventStream(`http://127.0.0.1:${port}/`));
    await ready;
  }
  return { streams, readers };
}

describe('SSE frames shared between streams', () => {
  it('gives each stream its own id for the same message, equal positions or not', async () => {
    const { streams, readers } = await streamsWith([
      new Map([
        [A, 4],
        [B, 2],
      ]),
      new Map([
        [A, 4],
        [B, 7],
      ]),
      new Map([
        [A, 4],
        [B, 2],
      ]),
      undefined,
    ]);
    const messages: StreamMessage[] = [
      { key: A, seq: 5, event: 'progress', data: '{"progress":50}', final: false },
      { key: A, seq: 6, event: 'succeeded', data: '{"progress":100}', final: true },
    ];
    for (const message of messages) for (const stream of streams) stream.send(message);
    for (const stream of streams) stream.end();
    await Promise.all(readers.map((reader) => reader.ended));

    const ids = readers.map((reader) => reader.parsed().events.map((event) => event.id));
    expect(ids).toEqual([
      [`${A}:5,${B}:2`, `${A}:6,${B}:2`],
      [`${A}:5,${B}:7`, `${A}:6,${B}:7`],
      [`${A}:5,${B}:2`, `${A}:6,${B}:2`],
      ['5', '6'],
    ]);
    for (const reader of readers) {
      expect(reader.parsed().events.map(({ event, data }) => ({ event, data }))).toEqual([
        { event: 'progress', data: '{"progress":50}' },
        { event: 'succeeded', data: '{"progress":100}' },
      ]);
    }
  });
});

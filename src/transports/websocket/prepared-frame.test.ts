import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { frameWriterOf, preparedFrame } from './prepared-frame.js';

const servers: WebSocketServer[] = [];
const closers: (() => void)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.close(resolve);
        }),
    ),
  );
});

/** A ws server on port 0 that hands each connection to `onConnection`. */
async function serve(
  onConnection: (ws: WebSocket) => void,
  perMessageDeflate = false,
): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  servers.push(server);
  server.on('connection', onConnection);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP port');
  return address.port;
}

/** A client that does the handshake by hand and then collects the raw bytes it is sent. */
async function rawClient(port: number): Promise<{ bytes: () => Buffer; socket: Socket }> {
  const socket = connectTcp(port, '127.0.0.1');
  closers.push(() => socket.destroy());
  await once(socket, 'connect');
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
  });
  await expect.poll(() => received.includes('\r\n\r\n')).toBe(true);
  const headEnd = received.indexOf('\r\n\r\n') + 4;
  expect(received.subarray(0, headEnd).toString()).toMatch(/^HTTP\/1\.1 101 /);
  return { bytes: () => received.subarray(headEnd), socket };
}

describe('prepared frames', () => {
  it('frames a payload once, as one Buffer: the header RFC 6455 gives a text frame of its length', () => {
    for (const [length, header] of [
      [5, [0x81, 5]],
      [200, [0x81, 126, 0, 200]],
      [70_000, [0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70]],
    ] as const) {
      const payload = Buffer.alloc(length, 'x');
      const frame = preparedFrame(payload);
      expect(frame).toHaveLength(1);
      expect([...(frame[0]?.subarray(0, header.length) ?? [])]).toEqual(header);
      expect(frame[0]?.subarray(header.length).equals(payload)).toBe(true);
      expect(preparedFrame(payload)).toBe(frame); // the same bytes for every later socket
    }
  });

  it('writes the same frame bytes to every socket, which a ws client reads as the text message', async () => {
    const payload = Buffer.from(JSON.stringify({ type: 'message', topic: 'chat:a', seq: 1 }));
    const port = await serve((ws) => {
      const writer = frameWriterOf(ws);
      expect(writer).toBeDefined();
      writer?.sendFrame(preparedFrame(payload));
    });
    const [first, second] = await Promise.all([rawClient(port), rawClient(port)]);
    const expected = Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
    await expect.poll(() => first.bytes().equals(expected)).toBe(true);
    await expect.poll(() => second.bytes().equals(expected)).toBe(true);

    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    closers.push(() => {
      client.terminate();
    });
    const [data, isBinary] = (await once(client, 'message')) as [Buffer, boolean];
    expect(isBinary).toBe(false);
    expect(data.toString()).toBe(payload.toString());
  });

  it('hands out no writer to a socket with permessage-deflate: ws.send keeps its order', async () => {
    const writers: unknown[] = [];
    const port = await serve((ws) => {
      writers.push(frameWriterOf(ws));
      ws.send('compressed');
    }, true);
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: true });
    closers.push(() => {
      client.terminate();
    });
    const [data] = (await once(client, 'message')) as [Buffer];
    expect(client.extensions).toContain('permessage-deflate');
    expect(data.toString()).toBe('compressed');
    expect(writers).toEqual([undefined]);
  });
});

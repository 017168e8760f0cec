/**
 * The SDK's reconnecting topic socket against a real `ws` server on port 0: a connection the
 * server drops is replaced after the backoff, the caller is told each step, and nothing is
 * sent or reopened once it is closed.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { ServerMessage } from '../model/ws-protocol.js';
import type { WebSocketConstructor } from './runtime.js';
import { openTopicSocket, type TopicSocket } from './topic-socket.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => {
      server.close(resolve);
    });
  }
});

/** A server that welcomes every connection and closes the first one with 4000. */
async function startServer() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  await once(server, 'listening');
  const received: string[] = [];
  let connections = 0;
  server.on('connection', (socket) => {
    connections++;
    socket.on('message', (data: Buffer) => {
      received.push(data.toString());
    });
    socket.send(JSON.stringify({ type: 'welcome', heartbeatMs: 1000 }));
    if (connections === 1)
      setImmediate(() => {
        socket.close(4000);
      });
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}/ws`, received, connections: () => connections };
}

describe('openTopicSocket', () => {
  it('replaces a dropped connection after the backoff, then stops for good on close', async () => {
    const server = await startServer();
    const steps: string[] = [];
    let welcomes = 0;
    let secondWelcome!: () => void;
    const welcomedTwice = new Promise<void>((resolve) => (secondWelcome = resolve));
    const connection: TopicSocket = openTopicSocket(
      {
        http: { socketUrl: () => Promise.resolve(server.url) },
        runtime: { webSocket: () => Promise.resolve(WebSocket as unknown as WebSocketConstructor) },
        backoff: { initialMs: 20, maxMs: 20 },
      },
      {
        onMessage: (message: ServerMessage) => {
          if (message.type !== 'welcome') return;
          welcomes++;
          connection.send({ type: 'subscribe', topic: `chat:room-${welcomes}` });
          if (welcomes === 2) secondWelcome();
        },
        onConnecting: (retry) => steps.push(retry ? 'connecting again' : 'connecting'),
        onReconnecting: (detail) => steps.push(`reconnecting (${detail})`),
      },
    );
    await welcomedTwice;
    expect(steps).toEqual(['connecting', 'reconnecting (closed 4000)', 'connecting again']);
    expect(server.connections()).toBe(2);
    await expect.poll(() => server.received.length).toBe(2);
    expect(server.received.map((text) => (JSON.parse(text) as { topic: string }).topic)).toEqual([
      'chat:room-1',
      'chat:room-2',
    ]);

    expect(connection.close()).toBe(true);
    expect(connection.close()).toBe(false);
    expect(connection.send({ type: 'subscribe', topic: 'chat:late' })).toBe(false);
    expect(steps).toHaveLength(3); // closing by the caller is not a reconnect
  });

  it('retries a connect that fails before any socket, with the error', async () => {
    const server = await startServer();
    let calls = 0;
    const errors: unknown[] = [];
    const welcomed = new Promise<void>((resolve) => {
      const connection = openTopicSocket(
        {
          http: {
            socketUrl: () =>
              ++calls === 1 ? Promise.reject(new Error('no token')) : Promise.resolve(server.url),
          },
          runtime: {
            webSocket: () => Promise.resolve(WebSocket as unknown as WebSocketConstructor),
          },
          backoff: { initialMs: 20, maxMs: 20 },
        },
        {
          onMessage: () => {
            connection.close();
            resolve();
          },
          onConnecting: () => undefined,
          onReconnecting: (_detail, error) => errors.push(error),
        },
      );
    });
    await welcomed;
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('no token');
  });
});

/**
 * One broadcast client for each server suite 3 compares, behind one interface: our server (a
 * `chat:bench` subscription), the bare `ws` broadcast server, and Socket.IO 4 (its own client,
 * WebSocket transport, one connection per client). `onMessage` runs once per broadcast message
 * received; replies and acknowledgements are not counted.
 */
import { once } from 'node:events';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';

export type Broadcaster = 'ours' | 'ws' | 'socketio';

export interface BroadcastClient {
  publish(data: unknown): void;
  close(): void;
}

const TOPIC = 'chat:bench';

export async function connectBroadcast(
  kind: Broadcaster,
  url: string,
  localAddress: string | undefined,
  onMessage: () => void,
): Promise<BroadcastClient> {
  if (kind === 'socketio') {
    // forceNew: a Manager of its own, so every client is its own connection.
    const socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress,
    } as Parameters<typeof io>[1]);
    socket.on('event', onMessage);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return {
      publish: (data) => socket.emit('publish', data),
      close: () => socket.disconnect(),
    };
  }
  const ws = new WebSocket(
    kind === 'ours' ? `${url.replace('http', 'ws')}/ws` : url.replace('http', 'ws'),
    {
      localAddress,
    },
  );
  await once(ws, 'open');
  if (kind === 'ws') {
    ws.on('message', onMessage);
    return {
      publish: (data) => {
        ws.send(JSON.stringify(data));
      },
      close: () => {
        ws.terminate();
      },
    };
  }
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (raw: Buffer) => {
      // Cheap test first: every broadcast is an `event`; parse only the rest.
      if (raw.subarray(0, 15).toString() === '{"type":"event"') {
        onMessage();
        return;
      }
      const message = JSON.parse(raw.toString()) as { type: string };
      if (message.type === 'subscribed') resolve();
      if (message.type === 'error') reject(new Error(raw.toString()));
    });
    ws.send(JSON.stringify({ type: 'subscribe', topic: TOPIC }));
  });
  return {
    publish: (data) => {
      ws.send(JSON.stringify({ type: 'publish', topic: TOPIC, data }));
    },
    close: () => {
      ws.terminate();
    },
  };
}

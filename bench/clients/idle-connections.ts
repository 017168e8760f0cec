/**
 * Suite 4's clients (one worker process): `count` idle connections held open — WebSockets
 * (the `ws` client, which answers pings by itself), event streams or long polls (raw TCP
 * sockets that send one GET and read whatever comes, the cheapest client there is). Reports
 * `ready` once every WebSocket or stream has its first bytes from the server; a held long poll
 * sends nothing until its job changes, so for those the bench counts them on the server.
 */
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { fail, inBatches, report, workerConfig } from './worker-side.js';

export interface IdleConfig {
  kind: 'ws' | 'sse' | 'long';
  /** ws://… for WebSockets, http://… plus path for streams. */
  url: string;
  count: number;
  address: string;
}

const config = workerConfig() as IdleConfig;

function openHttp(): Promise<void> {
  const { hostname, port, pathname, search } = new URL(config.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: config.address });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`,
        () => {
          if (config.kind === 'long') resolve();
        },
      );
    });
    socket.once('data', () => {
      resolve();
    });
    socket.on('data', () => undefined); // keep reading: heartbeats must not pile up
  });
}

function openWebSocket(): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(config.url, { localAddress: config.address });
    ws.once('error', reject);
    // Our server greets with `welcome`; the bare one says nothing, so `open` is the signal.
    ws.once('open', () => {
      resolve();
    });
  });
}

inBatches(config.count, config.kind === 'ws' ? openWebSocket : openHttp)
  .then(() => {
    report({ type: 'ready' });
  })
  .catch(fail);

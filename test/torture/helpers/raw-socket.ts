/**
 * Raw TCP exchanges for requests no HTTP client would send: write the bytes (optionally in
 * timed pieces), half-close, and read until the server closes or a deadline passes.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Exchange {
  /** Status of every response found in what came back, in order. */
  statuses: number[];
  text: string;
  /** Who ended it: the server closed the connection, or the deadline passed. */
  ended: 'closed' | 'deadline';
  elapsedMs: number;
}

export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Reads `socket` until it closes or `deadlineMs` passes. */
export function readUntilClosed(socket: Socket, deadlineMs: number): Promise<Exchange> {
  const started = performance.now();
  const received: Buffer[] = [];
  return new Promise((resolve) => {
    const finish = (ended: Exchange['ended']) => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, text, ended, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(finish, deadlineMs, 'deadline');
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined); // a reset is an ending like any other
    socket.on('close', () => {
      finish('closed');
    });
  });
}

/** Sends `bytes` on a fresh connection, half-closes, and reads until the server is done. */
export async function exchange(url: string, bytes: Buffer | string, deadlineMs = 5000) {
  const socket = await openSocket(url);
  const reading = readUntilClosed(socket, deadlineMs);
  socket.end(bytes);
  return reading;
}

/** Writes `text` one piece every `gapMs` (slowloris), without ending; reads meanwhile. */
export async function trickle(
  url: string,
  pieces: string[],
  gapMs: number,
  deadlineMs: number,
): Promise<Exchange> {
  const socket = await openSocket(url);
  const reading = readUntilClosed(socket, deadlineMs);
  let ended = false;
  void reading.then(() => (ended = true));
  for (const piece of pieces) {
    if (isTrue(ended)) break; // the server cut it off: stop trickling
    socket.write(piece);
    await sleep(gapMs);
  }
  return reading;
}

/** Reads a flag an awaited callback may have set (the compiler cannot see that). */
function isTrue(flag: boolean): boolean {
  return flag;
}

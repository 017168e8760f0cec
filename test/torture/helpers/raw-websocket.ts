/**
 * A WebSocket client on a raw socket, for frames a real client library refuses to send:
 * unmasked frames, bad UTF-8, oversize control frames, reserved bits and opcodes. It does the
 * opening handshake, then writes whatever frames it is given and parses what comes back.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { openSocket } from './raw-socket.js';

export interface FrameSpec {
  fin?: boolean;
  /** RSV1–3 as bits 0b100, 0b010, 0b001. */
  rsv?: number;
  opcode: number;
  payload?: Buffer | string;
  /** Default true: clients must mask. */
  masked?: boolean;
  /** Announce this length instead of the payload's (a lie, for the oversize cases). */
  length?: number;
}

export function frame(spec: FrameSpec): Buffer {
  const payload = Buffer.isBuffer(spec.payload) ? spec.payload : Buffer.from(spec.payload ?? '');
  const masked = spec.masked ?? true;
  const length = spec.length ?? payload.length;
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), extended, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from(head), extended, mask, body]);
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

export interface RawWebSocket {
  socket: Socket;
  /** Frames received so far (the server never masks or fragments its messages here). */
  frames: ServerFrame[];
  /** Resolves when the TCP connection closes, with the close code the server sent, if any. */
  closed: Promise<{ code: number | undefined; elapsedMs: number }>;
  /** Text messages received so far, parsed. */
  messages(): Record<string, unknown>[];
  send(bytes: Buffer): void;
}

export async function rawWebSocket(httpUrl: string): Promise<RawWebSocket> {
  const socket = await openSocket(httpUrl);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: ${new URL(httpUrl).host}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let buffer: Buffer = Buffer.alloc(0);
  let upgraded = false;
  const frames: ServerFrame[] = [];
  const started = performance.now();
  const closed = new Promise<{ code: number | undefined; elapsedMs: number }>((resolve) => {
    socket.on('close', () => {
      const close = frames.find((f) => f.opcode === 0x8);
      const code = close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
      resolve({ code, elapsedMs: performance.now() - started });
    });
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) {
          reject(new Error(`upgrade refused: ${head}`));
          return;
        }
        upgraded = true;
        buffer = buffer.subarray(end + 4);
      }
      buffer = parseFrames(buffer, frames);
      if (frames.length > 0) resolve(); // the welcome message arrived
    });
  });
  return {
    socket,
    frames,
    closed,
    messages: () =>
      frames
        .filter((f) => f.opcode === 0x1)
        .map((f) => JSON.parse(f.payload.toString('utf8')) as Record<string, unknown>),
    send: (bytes) => {
      if (socket.writable) socket.write(bytes);
    },
  };
}

/** Appends complete frames from `buffer` to `into`; returns the incomplete rest. */
function parseFrames(buffer: Buffer, into: ServerFrame[]): Buffer {
  let rest = buffer;
  for (;;) {
    if (rest.length < 2) return rest;
    const opcode = (rest[0] ?? 0) & 0x0f;
    let length = (rest[1] ?? 0) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (rest.length < 4) return rest;
      length = rest.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (rest.length < 10) return rest;
      length = Number(rest.readBigUInt64BE(2));
      offset = 10;
    }
    if (rest.length < offset + length) return rest;
    into.push({ opcode, payload: rest.subarray(offset, offset + length) });
    rest = rest.subarray(offset + length);
  }
}

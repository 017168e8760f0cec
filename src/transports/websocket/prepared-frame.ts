/**
 * A broadcast frame framed once: the WebSocket header and the payload in one Buffer, written
 * as it is to every socket that sends the same payload.
 *
 * Why: `ws.send` frames each message for each socket (an options object, a header Buffer, a
 * cork, two writes, an uncork: a writev). A chat message or a job event is the same bytes for
 * every subscriber (chat-subscription.ts, job-subscriptions.ts encode it once), so its frame
 * can be the same bytes too, and each socket does one plain write. This is the broadcast
 * recipe the ws maintainers give (websockets/ws#617) and what Socket.IO does for every
 * broadcast (`wsPreEncodedFrame`): `Sender.frame()` builds the frame, the socket's sender
 * writes it. Both are ws internals, so `frameWriterOf` checks they are there and falls back to
 * `ws.send` otherwise; test/websocket-prepared-frame.test.ts pins the bytes a client gets.
 *
 * Only for sockets without permessage-deflate: with it, ws may be compressing an earlier
 * message, and a frame written past its queue would arrive before it.
 */
import * as ws from 'ws';

/** What ws's per-socket sender offers a frame built in advance. */
export interface FrameWriter {
  sendFrame(list: readonly Buffer[], cb?: (error?: Error) => void): void;
}

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

type Framer = (data: Buffer, options: FrameOptions) => Buffer[];

const TEXT_FRAME: FrameOptions = {
  fin: true,
  opcode: 1,
  mask: false,
  readOnly: false,
  rsv1: false,
};

/** ws's Sender class: a named export of its ES module (its CommonJS one hangs it on WebSocket). */
type SenderClass = { frame?: Framer } | undefined;
const sender =
  (ws as unknown as { Sender?: SenderClass }).Sender ??
  (ws.WebSocket as unknown as { Sender?: SenderClass }).Sender;
const framer: Framer | undefined =
  typeof sender?.frame === 'function' ? sender.frame.bind(sender) : undefined;

/** Each shared payload's frame, made by the first socket that sends it. */
const frames = new WeakMap<Buffer, readonly Buffer[]>();

/**
 * The writer of `ws` when it can take prepared frames (no permessage-deflate, a ws with the
 * internals), undefined when it must use `ws.send`. Asked once per socket, after the handshake.
 */
export function frameWriterOf(socket: ws.WebSocket): FrameWriter | undefined {
  const writer = (socket as unknown as { _sender?: Partial<FrameWriter> })._sender;
  if (framer === undefined || socket.extensions !== '') return undefined;
  return typeof writer?.sendFrame === 'function' ? (writer as FrameWriter) : undefined;
}

/** The payload's text frame, header and payload in one Buffer (one write per socket). */
export function preparedFrame(payload: Buffer): readonly Buffer[] {
  let prepared = frames.get(payload);
  if (prepared === undefined) {
    // frameWriterOf hands out no writer without a framer, so this runs only with one.
    prepared = [Buffer.concat(framer?.(payload, TEXT_FRAME) ?? [])];
    frames.set(payload, prepared);
  }
  return prepared;
}

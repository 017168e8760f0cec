/**
 * Backpressure for one connection: everything the server sends a client passes through here.
 *
 * Messages go to the socket while it holds less than the high-water mark; beyond that they wait
 * in this queue, where the server can still choose what to send:
 * - conflation (job topics): a progress update waiting for a job replaces the one before it, so
 *   a slow client gets the latest progress, not a backlog. Other job events (started, the
 *   terminal one) are never replaced and keep their order, so the client ends on the true state.
 * - credits (message topics): once a client grants credits, each message uses one; without
 *   credit, messages are held (at most `maxHeld`, and within the byte cap), and the oldest are
 *   dropped beyond that, like RabbitMQ's drop-head overflow. A client that asks for less is
 *   never cut off for it; it sees the drop as a gap in `seq`.
 * - the cap: when what waits for a client (socket buffer + queue + held) would pass
 *   `maxBuffered`, the outbox empties itself and reports an overflow; the connection closes the
 *   client as a slow consumer. Server memory per client therefore stays under the cap.
 */
/**
 * A text frame's payload: a string, or its UTF-8 bytes when one encoding is shared by every
 * subscriber of a message (chat-subscription.ts).
 */
export type Frame = string | Buffer;

export interface Sink {
  /** Bytes accepted by the socket but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** `written`, when given, runs once the message has left the process (or failed to). */
  send(frame: Frame, written?: () => void): void;
}

export interface OutboxLimits {
  highWaterMark: number;
  maxBuffered: number;
  maxHeld: number;
}

export interface OutboxHooks {
  onSent(bytes: number): void;
  onConflated(): void;
  onDropped(): void;
  /** The cap was passed; the outbox is empty and accepts nothing any more. Called once. */
  onOverflow(): void;
}

/**
 * Every entry has all five fields, made by `entry()` only: one shape for all of them. A
 * progress entry was `{ ...entry(frame), key }`, and on Node 20 a literal that opens with a
 * spread and then names a property is built on a slow runtime path (about 1 µs against a few
 * ns for the plain literal), once per subscriber per progress update.
 */
interface Entry {
  frame: Frame;
  bytes: number;
  /** Conflation key of a waiting progress update; undefined for every other message. */
  key: string | undefined;
  /** How many earlier progress updates this one replaced. */
  conflated: number;
  sent: boolean;
}

/** Credits beyond this are not counted: a client cannot make the balance overflow. */
const MAX_CREDITS = 1_000_000;

export class Outbox {
  readonly #sink: Sink;
  readonly #limits: OutboxLimits;
  readonly #hooks: OutboxHooks;
  /** Messages waiting for room in the socket; made when the first one has to wait. */
  #queue: Entry[] | undefined;
  /** Deliveries waiting for credit; made when the first one has to wait. */
  #held: Entry[] | undefined;
  /**
   * Progress updates still in the queue, by conflation key. Made by the first one: an empty
   * Map costs ~200 bytes, and most connections never have a progress update wait.
   */
  #waitingProgress: Map<string, Entry> | undefined;
  #queuedBytes = 0;
  #heldBytes = 0;
  #credits: number | undefined;
  #peak = 0;
  #closed = false;
  /** The write callback (#send), made by the first write that needs one: most never do. */
  #written: (() => void) | undefined;

  constructor(sink: Sink, limits: OutboxLimits, hooks: OutboxHooks) {
    this.#sink = sink;
    this.#limits = limits;
    this.#hooks = hooks;
  }

  /** Bytes this connection holds in the process: socket buffer, queue and held messages. */
  get bufferedBytes(): number {
    return this.#sink.bufferedAmount + this.#queuedBytes + this.#heldBytes;
  }

  /** The largest `bufferedBytes` seen. */
  get peakBytes(): number {
    return this.#peak;
  }

  /** Nothing waits in the queue (the socket may still hold up to the high-water mark). */
  get idle(): boolean {
    return (this.#queue?.length ?? 0) === 0;
  }

  get heldCount(): number {
    return this.#held?.length ?? 0;
  }

  /** Remaining credits, or undefined while the client has not asked for credit-based flow. */
  get credits(): number | undefined {
    return this.#credits;
  }

  /**
   * A message that is never conflated, held or dropped: replies, snapshots, job lifecycle
   * events. `key` names a conflation key it must not be reordered with.
   */
  push(frame: Frame, key?: string): void {
    if (this.#closed) return;
    if (key !== undefined) this.#waitingProgress?.delete(key);
    this.#enqueue(entry(frame));
  }

  /**
   * A progress update for conflation key `key`; `render(n)` serialises it, `n` being how many
   * earlier updates it replaces. While one waits, a newer one takes its place in the queue.
   */
  pushProgress(key: string, render: (conflated: number) => Frame): void {
    if (this.#closed) return;
    const waiting = this.#waitingProgress?.get(key);
    if (waiting) {
      const conflated = waiting.conflated + 1;
      const frame = render(conflated);
      const bytes = byteLengthOf(frame);
      this.#queuedBytes += bytes - waiting.bytes;
      waiting.frame = frame;
      waiting.bytes = bytes;
      waiting.conflated = conflated;
      this.#hooks.onConflated();
      if (this.bufferedBytes > this.#limits.maxBuffered) this.#overflow();
      return;
    }
    const next = entry(render(0), key);
    this.#enqueue(next);
    if (!next.sent && this.#open()) (this.#waitingProgress ??= new Map()).set(key, next);
  }

  /** A message-topic delivery: sent at once, or subject to credits once the client uses them. */
  deliver(frame: Frame): void {
    if (this.#closed) return;
    if (this.#credits === undefined) {
      this.#enqueue(entry(frame));
      return;
    }
    if (this.#credits > 0 && this.heldCount === 0) {
      this.#credits -= 1;
      this.#enqueue(entry(frame));
      return;
    }
    const held = entry(frame);
    const waiting = (this.#held ??= []);
    waiting.push(held);
    this.#heldBytes += held.bytes;
    // Bounded holding: drop the oldest rather than grow without limit or cut the client off.
    while (
      waiting.length > 0 &&
      (waiting.length > this.#limits.maxHeld || this.bufferedBytes > this.#limits.maxBuffered)
    ) {
      this.#heldBytes -= waiting.shift()?.bytes ?? 0;
      this.#hooks.onDropped();
    }
    this.#notePeak();
  }

  /** Grants `n` more message deliveries; held messages go out first. */
  grant(n: number): void {
    if (this.#closed) return;
    this.#credits = Math.min(MAX_CREDITS, (this.#credits ?? 0) + n);
    while (this.#credits > 0 && this.#open()) {
      const next = this.#held?.shift();
      if (!next) break;
      this.#heldBytes -= next.bytes;
      this.#credits -= 1;
      this.#enqueue(next);
    }
  }

  /** Drops everything waiting; later calls do nothing. */
  close(): void {
    this.#closed = true;
    this.#queue = undefined;
    this.#held = undefined;
    this.#waitingProgress = undefined;
    this.#queuedBytes = 0;
    this.#heldBytes = 0;
  }

  /** A method, not the field, inside loops: sending or enqueueing may close the outbox. */
  #open(): boolean {
    return !this.#closed;
  }

  #enqueue(next: Entry): void {
    // Read the socket's buffer once: this runs once per message per client in a fan-out.
    const socketBytes = this.#sink.bufferedAmount;
    const waiting = socketBytes + this.#queuedBytes + this.#heldBytes;
    if (waiting + next.bytes > this.#limits.maxBuffered) {
      this.#overflow();
      return;
    }
    if (this.idle && socketBytes < this.#limits.highWaterMark) {
      // Nothing waits and the socket has room: straight out, as #flush would send it.
      this.#peak = Math.max(this.#peak, waiting + next.bytes);
      this.#send(next, socketBytes);
      return;
    }
    (this.#queue ??= []).push(next);
    this.#queuedBytes += next.bytes;
    this.#flush();
  }

  #flush(): void {
    for (;;) {
      const socketBytes = this.#sink.bufferedAmount;
      if (!this.#open() || socketBytes >= this.#limits.highWaterMark) break;
      const next = this.#queue?.shift();
      if (!next) break;
      this.#queuedBytes -= next.bytes;
      if (next.key !== undefined && this.#waitingProgress?.get(next.key) === next) {
        this.#waitingProgress.delete(next.key);
      }
      this.#send(next, socketBytes);
    }
    this.#notePeak();
  }

  /**
   * Sends `next`, asking to hear when it has left the process only when that can matter.
   * A write callback costs the socket's fast path (a fan-out to 1,000 clients: 11.3 µs of
   * server CPU per delivered message with it on every write, 9.2 µs without), and it is
   * needed only to flush the queue, which fills only while the socket holds at least the
   * high-water mark. A small message written to an empty socket cannot get it there alone;
   * any write made while the socket still holds data carries the callback, and writes
   * complete in order, so whenever the queue holds something, a write with a callback is
   * still on its way.
   */
  #send(next: Entry, socketBytes: number): void {
    next.sent = true;
    const alone = socketBytes === 0 && next.bytes < this.#limits.highWaterMark / 2;
    this.#sink.send(next.frame, alone ? undefined : (this.#written ??= this.#onWritten.bind(this)));
    this.#hooks.onSent(next.bytes);
  }

  /** A write left the process: there may be room for more. */
  #onWritten(): void {
    if (!this.idle) this.#flush();
  }

  #notePeak(): void {
    this.#peak = Math.max(this.#peak, this.bufferedBytes);
  }

  #overflow(): void {
    this.close();
    this.#hooks.onOverflow();
  }
}

function entry(frame: Frame, key?: string): Entry {
  return { frame, bytes: byteLengthOf(frame), key, conflated: 0, sent: false };
}

function byteLengthOf(frame: Frame): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
}

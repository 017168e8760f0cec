/**
 * Hands committed events to the bus off the write path: a commit queues its events and
 * returns; they are delivered together on a later turn of the event loop, in commit order.
 *
 * Why: delivering runs every subscriber's listener (a WebSocket send, an SSE write per client).
 * Run inside the commit, 2,000 subscribers on one job made each of its writes wait for 2,000
 * sends (issue 14: the write rate fell to ~20/s). Deferred alone, the sends would still sit
 * between one write and the next on the one thread, so a large fan-out (a delivery that
 * called at least PACE_FROM_LISTENERS listeners) is also paced and conflated:
 * - after such a delivery took D ms, the next one waits at least 3·D ms while writes wait, so
 *   fan-out (with the socket work it leaves for later turns) takes about a quarter of the loop
 *   and writes keep the rest. With no write waiting the pause would serve nothing, and the
 *   next event goes out on the next turn: D is wall time, which on a loaded machine is several
 *   times the delivery's CPU time, and pausing regardless held sparse updates back for up to
 *   0.95 s (issue 19: 1,000 WebSocket subscribers, an update every 250 ms; a fan-out of 15–45
 *   ms of CPU spanned up to 407 ms, and a late delivery carried both jobs' updates, longer
 *   again, so each pause fed the next);
 * - while events wait, a job's newer progress event replaces its older waiting one (the
 *   latest wins, as the WebSocket outbox does for a slow client) and is delivered with the
 *   number it replaced (`conflated`), so a watch knows the seq it skips is superseded progress,
 *   not a lost event. Every other event (started, the terminal one) is delivered, in order.
 * A small fan-out is neither paced nor conflated: every subscriber hears every event.
 * The decision counts listeners rather than milliseconds, so it does not depend on how busy
 * the machine happens to be.
 */
import type { JobEvent } from '../model/job.js';

interface Waiting {
  event: JobEvent;
  conflated: number;
}

/** A delivery calling fewer listeners than this is followed by the next on the next turn. */
const PACE_FROM_LISTENERS = 100;
/** The pause after a delivery, in multiples of its duration. */
const PACE_FACTOR = 3;

export interface DeferredDeliveryOptions {
  /** Whether writes wait for their turn on the loop: only they are worth pausing for. */
  writesWaiting?: () => boolean;
  /** The clock a delivery is timed by, in milliseconds (tests pass a fake one). */
  now?: () => number;
}

export class DeferredDelivery {
  /** Delivers one event; returns how many listeners it called. */
  readonly #deliver: (event: JobEvent, conflated: number) => number;
  #pending: Waiting[] = [];
  /** A job's progress event still waiting, by job id (only while no later event of it waits). */
  #waitingProgress = new Map<string, Waiting>();
  #scheduled = false;
  #notBefore = 0;
  /** The last delivery was a large fan-out: pace and conflate until one is small again. */
  #loaded = false;

  readonly #writesWaiting: () => boolean;
  readonly #now: () => number;

  constructor(
    deliver: (event: JobEvent, conflated: number) => number,
    options: DeferredDeliveryOptions = {},
  ) {
    this.#deliver = deliver;
    this.#writesWaiting = options.writesWaiting ?? (() => true);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Queues `events` (already durable) for delivery. */
  add(events: readonly JobEvent[]): void {
    for (const event of events) {
      const waiting = this.#waitingProgress.get(event.jobId);
      if (waiting && event.kind === 'progress' && this.#loaded) {
        waiting.conflated += 1;
        waiting.event = event;
        continue;
      }
      const entry = { event, conflated: 0 };
      this.#pending.push(entry);
      if (event.kind === 'progress') this.#waitingProgress.set(event.jobId, entry);
      else this.#waitingProgress.delete(event.jobId);
    }
    this.#schedule();
  }

  /** Delivers everything queued now, in order. */
  flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    this.#waitingProgress = new Map();
    const started = this.#now();
    let calls = 0;
    for (const { event, conflated } of batch) calls += this.#deliver(event, conflated);
    const ended = this.#now();
    this.#loaded = calls >= PACE_FROM_LISTENERS;
    this.#notBefore = this.#loaded ? ended + PACE_FACTOR * (ended - started) : 0;
  }

  #schedule(): void {
    if (this.#scheduled || this.#pending.length === 0) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.flush();
    };
    // Decided a turn later, not now: add() runs inside a commit, before the writes that the
    // commit's callers queue next (a job awaiting its progress writes again at once).
    setImmediate(() => {
      const wait = this.#notBefore - this.#now();
      if (wait > 0 && this.#writesWaiting()) setTimeout(run, wait);
      else run();
    });
  }
}

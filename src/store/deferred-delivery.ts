/**
 * Hands committed events to the bus off the write path: a commit queues its events and
 * returns; they are delivered together on the next turn of the event loop, in commit order.
 *
 * Why: delivering runs every subscriber's listener (a WebSocket send, an SSE write per client).
 * Run inside the commit, 2,000 subscribers on one job made each of its writes wait for 2,000
 * sends (issue 14: the write rate fell to ~20/s). Deferred, the write resolves at its commit,
 * and the fan-out of a whole batch runs once, after it.
 */
import type { JobEvent } from '../model/job.js';

export class DeferredDelivery {
  readonly #deliver: (event: JobEvent) => void;
  #pending: JobEvent[] = [];
  #scheduled = false;

  constructor(deliver: (event: JobEvent) => void) {
    this.#deliver = deliver;
  }

  /** Queues `events` (already durable) for delivery on the next loop turn. */
  add(events: readonly JobEvent[]): void {
    for (const event of events) this.#pending.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flush();
    });
  }

  /** Delivers everything queued now, in order. */
  flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    for (const event of batch) this.#deliver(event);
  }
}

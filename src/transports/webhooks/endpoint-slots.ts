/**
 * Per-endpoint concurrency for the delivery loop: each endpoint (origin) gets at most `limit`
 * attempts at once, so one slow receiver cannot take every attempt this process may make.
 * A delivery claimed while its endpoint is full waits in a short line of its own (still
 * leased), to start the moment a slot frees, instead of going back to the outbox and being
 * claimed again; past `limit * 8` held the line is full and the loop gives it back for
 * `FULL_LINE_WAIT_MS`. One held so long that its attempt could no longer finish inside its
 * lease is dropped: the lease runs out and it is claimed again.
 */
import type { DueDelivery } from '../../jobs/webhook-queue.js';

/** How long a delivery whose endpoint's line is full waits before it is claimed again. */
export const FULL_LINE_WAIT_MS = 50;

/** A delivery waiting in its endpoint's line, and when it was claimed (its lease runs from then). */
export interface HeldDelivery {
  delivery: DueDelivery;
  claimedAt: number;
}

interface Lane {
  active: number;
  held: HeldDelivery[];
}

/** What `admit` did with a delivery. */
export type Admission = 'start' | 'held' | 'full';

export class EndpointSlots {
  readonly #limit: number;
  readonly #maxHeld: number;
  readonly #maxHoldMs: number;
  readonly #lanes = new Map<string, Lane>();
  #held = 0;

  /** `maxHoldMs`: the longest a delivery may wait in line and still be attempted in its lease. */
  constructor(limit: number, maxHoldMs: number) {
    this.#limit = limit;
    this.#maxHeld = limit * 8;
    this.#maxHoldMs = maxHoldMs;
  }

  /** Deliveries held in lines, over all endpoints (they count against the in-flight cap). */
  get held(): number {
    return this.#held;
  }

  /** `start`: a slot of the endpoint is taken for it; `held`: it waits in line; `full`: neither. */
  admit(endpoint: string, delivery: DueDelivery, now: number): Admission {
    const lane = this.#lane(endpoint);
    if (lane.active < this.#limit) {
      lane.active++;
      return 'start';
    }
    if (lane.held.length < this.#maxHeld) {
      lane.held.push({ delivery, claimedAt: now });
      this.#held++;
      return 'held';
    }
    this.#forgetIfIdle(endpoint, lane);
    return 'full';
  }

  /**
   * Gives back a slot of `endpoint`, then offers its held deliveries still in time to `start`,
   * oldest first, while a slot is free: each is offered with a slot taken for it, and `start`
   * returns false when it did not start it (the endpoint is paused), which gives the slot back.
   */
  release(endpoint: string, now: number, start: (held: HeldDelivery) => boolean): void {
    const lane = this.#lanes.get(endpoint);
    if (!lane) return;
    lane.active--;
    while (lane.active < this.#limit) {
      const held = lane.held.shift();
      if (!held) break;
      this.#held--;
      if (now - held.claimedAt > this.#maxHoldMs) continue;
      lane.active++;
      if (!start(held)) lane.active--;
    }
    this.#forgetIfIdle(endpoint, lane);
  }

  #lane(endpoint: string): Lane {
    let lane = this.#lanes.get(endpoint);
    if (!lane) this.#lanes.set(endpoint, (lane = { active: 0, held: [] }));
    return lane;
  }

  #forgetIfIdle(endpoint: string, lane: Lane): void {
    if (lane.active === 0 && lane.held.length === 0) this.#lanes.delete(endpoint);
  }
}

/**
 * One token bucket per key (an API key's name, a client address), created on first use and
 * forgotten once full again, so memory follows the active clients, not every client ever seen.
 * A rate of 0 turns the limit off.
 */
import { TokenBucket } from './token-bucket.js';

const SWEEP_EVERY = 1024;

export class KeyedRateLimit {
  readonly #rate: number;
  readonly #buckets = new Map<string, { bucket: TokenBucket; last: number }>();
  #takes = 0;

  constructor(ratePerSecond: number) {
    this.#rate = ratePerSecond;
  }

  get enabled(): boolean {
    return this.#rate > 0;
  }

  /** 0 when `key` may go ahead (a token is taken), else the ms until it may. */
  take(key: string, now = performance.now()): number {
    if (this.#rate <= 0) return 0;
    let entry = this.#buckets.get(key);
    if (!entry) {
      entry = { bucket: new TokenBucket(this.#rate, now), last: now };
      this.#buckets.set(key, entry);
    }
    entry.last = now;
    if (++this.#takes % SWEEP_EVERY === 0) this.#sweep(now);
    return entry.bucket.take(now);
  }

  /** Buckets idle for over a second have refilled: they are equal to new ones. */
  #sweep(now: number): void {
    for (const [key, entry] of this.#buckets) {
      if (now - entry.last > 1000) this.#buckets.delete(key);
    }
  }
}

/**
 * A token bucket: `ratePerSecond` tokens a second, at most `ratePerSecond` saved up, so a
 * client may burst one second's worth and then keeps to the rate.
 */
export class TokenBucket {
  readonly #rate: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, now = performance.now()) {
    this.#rate = ratePerSecond;
    this.#tokens = ratePerSecond;
    this.#last = now;
  }

  /** Takes a token and returns 0, or returns how many ms until one is available. */
  take(now = performance.now()): number {
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#last) * this.#rate) / 1000);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }
}

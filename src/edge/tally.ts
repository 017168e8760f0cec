/**
 * Counting on a hot path for a prom-client counter: each call adds to a plain number, and the
 * counter takes the sum when the registry is read (from the metric's `collect`). prom-client's
 * `inc` validates and hashes the labels on every call, and a fan-out to 1,000 WebSocket
 * clients made three such calls per message per client.
 */
export class Tally {
  #count = 0;

  add(n: number): void {
    this.#count += n;
  }

  /** What was added since the last take. */
  take(): number {
    const count = this.#count;
    this.#count = 0;
    return count;
  }
}

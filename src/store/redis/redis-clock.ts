/**
 * The deployment's clock in Redis mode: Redis's `TIME`, carried forward between
 * synchronisations by this process's monotonic clock, so that every process of a deployment
 * reads the same time whatever its own wall clock says, and a wall-clock jump here changes
 * nothing. Used for what is decided outside the Lua scripts (access-token expiry); the scripts
 * read `TIME` themselves.
 */
import type { Redis } from 'ioredis';

/** Re-synchronise this often: monotonic clocks drift by parts per million. */
const RESYNC_MS = 60_000;

export class RedisClock {
  readonly #redis: Redis;
  #baseMs = Date.now();
  #baseAt = performance.now();
  #timer: NodeJS.Timeout | undefined;

  private constructor(redis: Redis) {
    this.#redis = redis;
  }

  static async open(redis: Redis): Promise<RedisClock> {
    const clock = new RedisClock(redis);
    await clock.sync();
    clock.#timer = setInterval(() => {
      void clock.sync().catch(() => undefined); // Redis away: keep counting from the last sync
    }, RESYNC_MS).unref();
    return clock;
  }

  /** Milliseconds since the epoch on the deployment's clock. */
  now(): number {
    return Math.round(this.#baseMs + (performance.now() - this.#baseAt));
  }

  /** Reads Redis's TIME, assuming the answer left Redis halfway through the round trip. */
  async sync(): Promise<void> {
    const sent = performance.now();
    // Typed as numbers; ioredis hands over the strings Redis sent.
    const [seconds, micros] = (await this.#redis.time()) as unknown as [string, string];
    const received = performance.now();
    this.#baseMs = Number(seconds) * 1000 + Number(micros) / 1000 + (received - sent) / 2;
    this.#baseAt = received;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

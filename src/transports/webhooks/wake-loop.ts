/**
 * Runs `pass` whenever woken — once at a time, once more if woken meanwhile, however many
 * wake-ups came in — and again after `nextDelay()` ms (capped at `maxWaitMs`) when nothing
 * wakes it: the delivery loop's scheduling, kept out of the pattern.
 */
import type { Logger } from 'pino';

export class WakeLoop {
  readonly #pass: () => Promise<unknown>;
  readonly #nextDelay: () => Promise<number | undefined>;
  readonly #maxWaitMs: number;
  readonly #logger: Logger;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #passing: Promise<void> | undefined;
  #again = false;

  constructor(
    pass: () => Promise<unknown>,
    nextDelay: () => Promise<number | undefined>,
    maxWaitMs: number,
    logger: Logger,
  ) {
    this.#pass = pass;
    this.#nextDelay = nextDelay;
    this.#maxWaitMs = maxWaitMs;
    this.#logger = logger;
  }

  start(): void {
    this.#running = true;
    this.wake();
  }

  wake(): void {
    if (!this.#running) return;
    if (this.#passing) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#passing = (async () => {
      do {
        try {
          await this.#pass();
        } catch (error) {
          this.#logger.warn({ err: error }, 'webhook outbox not readable; trying again');
        }
      } while (this.#takeWakeUp());
      await this.#schedule();
    })().finally(() => (this.#passing = undefined));
  }

  /** No more passes; resolves once the current one has finished. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#passing;
  }

  #takeWakeUp(): boolean {
    const again = this.#again && this.#running;
    this.#again = false;
    return again;
  }

  async #schedule(): Promise<void> {
    if (!this.#running) return;
    const delay = await this.#nextDelay().catch(() => undefined);
    const wait = Math.min(Math.max(delay ?? this.#maxWaitMs, 0), this.#maxWaitMs);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.wake();
    }, wait);
    this.#timer.unref();
  }
}

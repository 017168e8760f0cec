/**
 * The claims waiting for a job in this process, in arrival order, and who gets the next job.
 * Each `queued` or `requeued` event on the bus (any process's, in Redis mode) is offered to
 * one waiting claim, oldest first (several arrivals to several claims at once): one new job
 * costs one claim attempt, not one per idle worker. A claim that lost the race (another gateway's worker
 * took the job) or serves other types just waits on.
 *
 * A claim attempt in flight is never abandoned: a wait that times out (or is released at
 * shutdown) while its claim runs ends with that claim's outcome, so a leased job is always
 * handed to someone rather than left to lapse.
 */
import type { LeasedJob } from '../../store/leases.js';

export type Attempt = (types: readonly string[], worker: string) => Promise<LeasedJob | undefined>;

interface Waiter {
  readonly types: readonly string[];
  readonly worker: string;
  busy: boolean;
  /** The wait is over (time, shutdown, client gone): settle as soon as no claim runs. */
  over: boolean;
  settle(leased: LeasedJob | undefined, error?: Error): void;
}

export class WaitingClaims {
  readonly #attempt: Attempt;
  #waiters: Waiter[] = [];
  /** Arrivals not yet offered to a waiter. */
  #pending = 0;
  #pumping = false;

  constructor(attempt: Attempt) {
    this.#attempt = attempt;
  }

  get size(): number {
    return this.#waiters.length;
  }

  /** A job was queued or handed back somewhere: offer it to the waiting claims. */
  arrived(): void {
    if (this.#waiters.length === 0) return; // the next claim request finds it by itself
    this.#pending++;
    this.#pump();
  }

  /**
   * Claims once at once, then waits up to `ms` for an arrival it can claim. Subscribed before
   * the first attempt (the waiter is registered first), so a job queued in between is offered.
   */
  claim(
    types: readonly string[],
    worker: string,
    ms: number,
    signal?: AbortSignal,
  ): Promise<LeasedJob | undefined> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const end = () => {
        waiter.over = true;
        if (!waiter.busy) waiter.settle(undefined);
      };
      const waiter: Waiter = {
        types,
        worker,
        busy: false,
        over: false,
        settle: (leased, error) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', end);
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          if (error === undefined) resolve(leased);
          else reject(error);
        },
      };
      this.#waiters.push(waiter);
      void this.#try(waiter).then((outcome) => {
        if (outcome !== 'missed') return;
        if (ms <= 0 || signal?.aborted === true) {
          waiter.settle(undefined);
          return;
        }
        timer = setTimeout(end, ms);
        signal?.addEventListener('abort', end, { once: true });
        this.#pump(); // arrivals while the first attempt ran
      });
    });
  }

  /** Ends every wait (shutdown): each settles with nothing once its claim in flight is done. */
  releaseAll(): void {
    for (const waiter of [...this.#waiters]) {
      waiter.over = true;
      if (!waiter.busy) waiter.settle(undefined);
    }
  }

  /**
   * One attempt for `waiter`: `claimed` (settled with the job), `ended` (settled: an error, or
   * its wait ended meanwhile) or `missed` (it waits on).
   */
  async #try(waiter: Waiter): Promise<'claimed' | 'ended' | 'missed'> {
    waiter.busy = true;
    let leased: LeasedJob | undefined;
    try {
      leased = await this.#attempt(waiter.types, waiter.worker);
    } catch (error) {
      waiter.busy = false;
      waiter.settle(undefined, error instanceof Error ? error : new Error('the claim failed'));
      return 'ended';
    }
    waiter.busy = false;
    if (leased) {
      waiter.settle(leased);
      return 'claimed';
    }
    if (waiter.over) {
      waiter.settle(undefined);
      return 'ended';
    }
    return 'missed';
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void this.#offer().finally(() => {
      this.#pumping = false;
    });
  }

  /**
   * Offers the pending arrivals to as many idle waiters at once, oldest first; an arrival the
   * waiter it went to could not claim (other types, or another process was faster) goes on to
   * the remaining idle waiters one at a time.
   */
  async #offer(): Promise<void> {
    while (this.#pending > 0) {
      if (this.#waiters.length === 0) {
        this.#pending = 0;
        return;
      }
      const idle = this.#waiters.filter((w) => !w.busy && !w.over);
      if (idle.length === 0) return; // a busy waiter pumps again when its attempt misses
      const count = Math.min(this.#pending, idle.length);
      this.#pending -= count;
      const outcomes = await Promise.all(idle.slice(0, count).map((w) => this.#try(w)));
      for (let missed = outcomes.filter((o) => o === 'missed').length; missed > 0; missed--) {
        for (const waiter of idle.slice(count)) {
          if (waiter.over || waiter.busy) continue;
          if ((await this.#try(waiter)) === 'claimed') break;
        }
      }
    }
  }
}

/**
 * A counting semaphore with an abortable FIFO queue: at most `size` holders at once, the rest
 * wait in order, and a waiter whose signal aborts leaves the queue with the signal's reason.
 */
interface Waiter {
  resolve: () => void;
  signal: AbortSignal;
  onAbort: () => void;
}

export class TaskSlots {
  #free: number;
  readonly #queue: Waiter[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Holders waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          this.#queue.splice(this.#queue.indexOf(waiter), 1);
          reject(signal.reason as Error);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Hands the slot to the longest waiter, or frees it. */
  release(): void {
    const next = this.#queue.shift();
    if (!next) {
      this.#free += 1;
      return;
    }
    next.signal.removeEventListener('abort', next.onAbort);
    next.resolve();
  }
}

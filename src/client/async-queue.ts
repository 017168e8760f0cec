/**
 * Turns callbacks (WebSocket messages) into something an async generator can
 * await one at a time. Items wait in order until taken; nothing is dropped.
 */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  #waiter: ((item: T) => void) | undefined;

  push(item: T): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter(item);
    } else {
      this.#items.push(item);
    }
  }

  /** The next item; rejects with the signal's reason when it aborts first. */
  take(signal: AbortSignal): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift() as T);
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.#waiter = undefined;
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = (item) => {
        signal.removeEventListener('abort', onAbort);
        resolve(item);
      };
    });
  }
}

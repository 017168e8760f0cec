/**
 * Progress of one running job, coalesced: at most one progress write is in flight, and while
 * it is, a newer update replaces the one waiting (the latest wins). A handler that reports
 * 40,000 updates a second therefore costs as many writes as the store can commit, not a queue
 * of 40,000 promises (issue 14: such a handler once piled up ~280k writes, heap 50 → 113 MB,
 * and its `succeeded` was recorded 27.5 s after it returned).
 *
 * Each `report()` resolves once a write carrying that update or a newer one has committed
 * (or failed: progress is never retried, the next update supersedes it). `settle()` waits for
 * the write in flight and the one waiting, so the terminal change the executor writes next
 * always follows the last recorded progress: a client never sees progress after the end.
 */
export type WriteProgress = (progress: number, data: unknown) => Promise<void>;

interface Waiting {
  progress: number;
  data: unknown;
  /** One promise for every update this write carries. */
  written: Promise<void>;
  resolve: () => void;
}

export class ProgressWriter {
  readonly #write: WriteProgress;
  #inFlight: Promise<void> | undefined;
  #waiting: Waiting | undefined;
  #coalesced = 0;

  constructor(write: WriteProgress) {
    this.#write = write;
  }

  /** Updates replaced by a newer one before they were written. */
  get coalesced(): number {
    return this.#coalesced;
  }

  report(progress: number, data?: unknown): Promise<void> {
    let waiting = this.#waiting;
    if (waiting) {
      this.#coalesced += 1;
      waiting.progress = progress;
      waiting.data = data;
    } else {
      let resolve = (): void => undefined;
      const written = new Promise<void>((r) => (resolve = r));
      waiting = this.#waiting = { progress, data, written, resolve };
    }
    const { written } = waiting;
    if (!this.#inFlight) this.#next();
    return written;
  }

  /** Resolves once nothing is in flight or waiting. */
  async settle(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  #next(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (!waiting) {
      this.#inFlight = undefined;
      return;
    }
    this.#inFlight = this.#write(waiting.progress, waiting.data)
      .catch(() => undefined)
      .then(() => {
        waiting.resolve();
        this.#next();
      });
  }
}

/**
 * Whether the SQLite store can write, as /healthz reports it. The last write decides: a batch
 * the storage failed (disk full, I/O error) marks the store failing, the next committed one
 * clears it. While failing, a probe write runs every period, so the store notices that space
 * came back even when nothing else writes (and the runner and executor, retrying on their
 * own timers, find it writable).
 */
import type { AppError } from '../../model/errors/app-error.js';
import { isAppError } from '../../model/errors/app-error.js';
import type { WriteFailure } from '../store.js';

export class WriteHealth {
  readonly #probe: () => void;
  readonly #periodMs: number;
  readonly #onChange: (failure: WriteFailure | undefined) => void;
  #failure: WriteFailure | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    probe: () => void,
    periodMs: number,
    onChange: (failure: WriteFailure | undefined) => void = () => undefined,
  ) {
    this.#probe = probe;
    this.#periodMs = periodMs;
    this.#onChange = onChange;
  }

  /** Undefined while writes succeed. */
  get failure(): WriteFailure | undefined {
    return this.#failure;
  }

  /** The outcome of one batch (a storage error, or any other error, which says nothing). */
  record(ok: boolean, error?: unknown): void {
    if (ok) {
      if (!this.#failure) return;
      this.#failure = undefined;
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#onChange(undefined);
      return;
    }
    if (!isStorageFailure(error)) return;
    const first = this.#failure === undefined;
    this.#failure = {
      code: error.code,
      message: error.message,
      since: this.#failure?.since ?? Date.now(),
    };
    if (first) {
      this.#timer = setInterval(this.#probe, this.#periodMs);
      this.#timer.unref();
      this.#onChange(this.#failure);
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function isStorageFailure(error: unknown): error is AppError & { code: WriteFailure['code'] } {
  return isAppError(error) && (error.code === 'storage_full' || error.code === 'store_unavailable');
}

/**
 * Group commit with WAITAOF (Redis ≥ 7.2; see redis-durability.ts): the writes that are
 * acknowledged to clients (a new job, a cancel) go through one dedicated connection, and a
 * write is confirmed once a `WAITAOF 1 0 <timeout>` sent after it returns with the local AOF
 * fsynced. WAITAOF blocks its connection, so writes issued meanwhile wait behind it, and one
 * WAITAOF confirms every write issued before it: one fsync wait per batch, not per job.
 */
import { AppError } from '../../model/errors/app-error.js';

/** What the confirmer needs from an ioredis connection. */
export interface WaitAofConnection {
  call(command: 'WAITAOF', ...args: string[]): Promise<unknown>;
}

interface Confirmation {
  /** The last write ticket it covers. */
  covers: number;
  done: Promise<void>;
}

export class AofConfirmer {
  readonly #connection: WaitAofConnection;
  readonly #timeoutMs: number;
  #issued = 0;
  #inFlight: Confirmation | undefined;

  constructor(connection: WaitAofConnection, timeoutMs: number) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
  }

  /** Runs `write` on the dedicated connection and resolves once it is on disk. */
  async write<T>(write: () => Promise<T>): Promise<T> {
    const ticket = ++this.#issued;
    const result = await write();
    await this.#confirm(ticket);
    return result;
  }

  async #confirm(ticket: number): Promise<void> {
    for (;;) {
      const current = this.#inFlight;
      if (current && current.covers >= ticket) return current.done;
      if (current) {
        // Sent before this write: it does not cover it. Wait for it, then send another.
        await current.done.catch(() => undefined);
        continue;
      }
      const confirmation: Confirmation = { covers: this.#issued, done: this.#waitAof() };
      this.#inFlight = confirmation;
      void confirmation.done
        .finally(() => {
          if (this.#inFlight === confirmation) this.#inFlight = undefined;
        })
        .catch(() => undefined);
      return confirmation.done;
    }
  }

  async #waitAof(): Promise<void> {
    const reply = await this.#connection.call('WAITAOF', '1', '0', String(this.#timeoutMs));
    const local = Array.isArray(reply) ? Number(reply[0]) : 0;
    if (local < 1) {
      throw new AppError(
        'store_unavailable',
        `Redis did not confirm the write on disk within ${this.#timeoutMs} ms; retry, with the same Idempotency-Key`,
      );
    }
  }
}

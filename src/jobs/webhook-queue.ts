/**
 * The webhook outbox as the engine hands it to the delivery transport
 * (src/transports/webhooks.ts): the store's outbox, plus a wake-up on every job event (a change
 * may have written a delivery). The transport reaches the outbox only through this.
 */
import type { Store, Unsubscribe } from '../store/store.js';
import type {
  AttemptOutcome,
  AttemptRecord,
  DueDelivery,
  WebhookOutbox,
} from '../store/webhook-outbox.js';
import type { DeliveryState } from '../model/webhook.js';

export type { AttemptOutcome, AttemptRecord, DueDelivery };

export class WebhookQueue {
  readonly #outbox: WebhookOutbox;
  readonly #store: Store;

  constructor(store: Store, outbox: WebhookOutbox) {
    this.#store = store;
    this.#outbox = outbox;
  }

  claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return this.#outbox.claimDue(now, limit, leaseMs);
  }

  postpone(id: string, nextAt: number): Promise<void> {
    return this.#outbox.postpone(id, nextAt);
  }

  recordAttempt(id: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void> {
    return this.#outbox.recordAttempt(id, attempt, outcome);
  }

  nextDueAt(): Promise<number | undefined> {
    return this.#outbox.nextDueAt();
  }

  countByState(): Promise<Record<DeliveryState, number>> {
    return this.#outbox.countByState();
  }

  /** Calls `listener` after every job event committed from now on. */
  onEvent(listener: () => void): Unsubscribe {
    return this.#store.subscribe('jobs', listener);
  }
}

/**
 * The webhook outbox as the engine hands it to the delivery transport
 * (src/transports/webhooks.ts): the store's outbox, with a wake-up when a change wrote
 * deliveries. The transport reaches the outbox only through this.
 */
import type { Unsubscribe } from '../store/store.js';
import type {
  AttemptOutcome,
  AttemptRecord,
  DueDelivery,
  EndpointKeys,
  WebhookOutbox,
} from '../store/webhook-outbox.js';
import type { DeliveryState } from '../model/webhook.js';

export type { AttemptOutcome, AttemptRecord, DueDelivery, EndpointKeys };

export class WebhookQueue {
  readonly #outbox: WebhookOutbox;

  constructor(outbox: WebhookOutbox) {
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

  /** Calls `listener` soon after a change wrote deliveries. */
  onRecorded(listener: () => void): Unsubscribe {
    return this.#outbox.onRecorded(listener);
  }
}

/**
 * The webhook outbox as the engine hands it to the delivery transport
 * (src/transports/webhooks.ts): the store's outbox, with a wake-up when a change wrote
 * deliveries, and a notice on the bus for the job's delivery watchers (delivery-watch.ts)
 * once an attempt is recorded. The transport reaches the outbox only through this.
 */
import type { EventBus, Unsubscribe } from '../store/store.js';
import type {
  AttemptOutcome,
  AttemptRecord,
  DueDelivery,
  EndpointKeys,
  WebhookOutbox,
} from '../store/webhook-outbox.js';
import type { DeliveryState } from '../model/webhook.js';
import { noticeDeliveryChange } from './delivery-watch.js';

export type { AttemptOutcome, AttemptRecord, DueDelivery, EndpointKeys };

export class WebhookQueue {
  readonly #outbox: WebhookOutbox;
  readonly #bus: EventBus;

  constructor(outbox: WebhookOutbox, bus: EventBus) {
    this.#outbox = outbox;
    this.#bus = bus;
  }

  claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return this.#outbox.claimDue(now, limit, leaseMs);
  }

  postpone(id: string, nextAt: number): Promise<void> {
    return this.#outbox.postpone(id, nextAt);
  }

  async recordAttempt(
    delivery: Pick<DueDelivery, 'id' | 'jobId'>,
    attempt: AttemptRecord,
    outcome: AttemptOutcome,
  ): Promise<void> {
    await this.#outbox.recordAttempt(delivery.id, attempt, outcome);
    noticeDeliveryChange(this.#bus, delivery.jobId, delivery.id);
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

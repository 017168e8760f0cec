/**
 * `deliveries:<id>` on a WebSocket: a job's webhook deliveries as they happen, an adapter over
 * the engine's delivery watch (src/jobs/delivery-watch.ts), which owns visibility and
 * "subscribe first, then read". After the acknowledgement comes a `deliveries` message with
 * every delivery (`snapshot: true`), then one with the deliveries that changed each time some
 * do (a new one, an attempt recorded, a redelivery). It does not end with the job: a dead
 * delivery can be sent again.
 */
import type { DeliveryWatch } from '../../jobs/delivery-watch.js';
import type { Subscription, SubscriptionContext } from './subscription.js';

export class DeliverySubscription implements Subscription {
  readonly kind = 'deliveries';
  readonly #ctx: SubscriptionContext;
  readonly #topic: `deliveries:${string}`;
  readonly #jobId: string;
  #watch: DeliveryWatch | undefined;
  #closed = false;

  constructor(ctx: SubscriptionContext, topic: `deliveries:${string}`, jobId: string) {
    this.#ctx = ctx;
    this.#topic = topic;
    this.#jobId = jobId;
  }

  /** Calls `acknowledge` once the job is known to be the caller's, then sends the snapshot. */
  async open(acknowledge: () => void): Promise<void> {
    const watch = await this.#ctx.engine.watchDeliveries(this.#jobId, this.#ctx.caller);
    if (this.#isClosed()) {
      watch.close();
      return;
    }
    this.#watch = watch;
    acknowledge();
    const topic = this.#topic;
    watch.start({
      onDeliveries: (deliveries, snapshot) => {
        if (!this.#closed)
          this.#ctx.send({ type: 'deliveries', topic, snapshot, deliveries }, topic);
      },
      onError: (error) => {
        this.#closed = true;
        this.#ctx.failed(topic, this, error);
      },
    });
  }

  close(): void {
    this.#closed = true;
    this.#watch?.close();
  }

  /** A method, not the field, after an await: the flag may have changed meanwhile. */
  #isClosed(): boolean {
    return this.#closed;
  }
}

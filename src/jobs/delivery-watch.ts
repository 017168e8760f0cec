/**
 * Following a job's webhook deliveries as they happen (the dashboard's webhook panel, the
 * `deliveries:<jobId>` WebSocket topic). Subscribe first, then read, as every watch does:
 * - to the job's events, because a change writes its deliveries in the same transaction
 *   (the outbox), so a new delivery exists by the time its event is published;
 * - to the `deliveries:<jobId>` notices the delivery loop publishes after recording an
 *   attempt, and the engine after a redelivery (`noticeDeliveryChange`).
 * Each notice makes it read the job's deliveries again (one read at a time, one more if
 * noticed meanwhile) and hand on those that changed. Notices travel the bus with no log
 * (at-most-once, like chat): a client that reconnects subscribes again and gets a snapshot.
 */
import type { Caller } from '../auth/caller.js';
import { deliveriesTopic, jobTopic } from '../model/topic.js';
import type { Delivery } from '../model/webhook.js';
import type { EventBus, Store, Unsubscribe } from '../store/store.js';
import { visibleJob } from './visibility.js';

export interface DeliveryWatchHandlers {
  /** All deliveries first (`snapshot`), then the ones that changed since the last call. */
  onDeliveries(deliveries: Delivery[], snapshot: boolean): void;
  /** A read failed (the store is closing or unreachable); the watch is closed. */
  onError(error: unknown): void;
}

/** Tells the job's delivery watchers that one of its deliveries changed. Never rejects. */
export function noticeDeliveryChange(bus: EventBus, jobId: string, deliveryId: string): void {
  // A lost notice only leaves a live view behind; the change itself is already recorded.
  bus.publishMessage(deliveriesTopic(jobId), { deliveryId }).catch(() => undefined);
}

/** What a delivery shows: when it is the same as last time, the watcher has it already. */
function fingerprint(delivery: Delivery): string {
  return `${delivery.state} ${delivery.attempts.length} ${delivery.nextAttemptAt ?? ''}`;
}

export class DeliveryWatch {
  readonly #store: Store;
  readonly #jobId: string;
  readonly #unsubscribe: Unsubscribe[];
  readonly #seen = new Map<string, string>();
  #handlers: DeliveryWatchHandlers | undefined;
  #reading = false;
  #again = false;
  #closed = false;

  private constructor(store: Store, jobId: string) {
    this.#store = store;
    this.#jobId = jobId;
    const notice = () => {
      this.#notice();
    };
    this.#unsubscribe = [
      store.subscribe(jobTopic(jobId), notice),
      store.subscribeMessages(deliveriesTopic(jobId), notice),
    ];
  }

  /** Subscribes, then checks the caller may see the job: `job_not_found` otherwise. */
  static async open(store: Store, jobId: string, caller: Caller): Promise<DeliveryWatch> {
    const watch = new DeliveryWatch(store, jobId);
    try {
      await visibleJob(store, jobId, caller);
    } catch (error) {
      watch.close();
      throw error;
    }
    return watch;
  }

  /** Reads the snapshot, then follows: every notice since `open` is covered by that read. */
  start(handlers: DeliveryWatchHandlers): void {
    if (this.#handlers || this.#closed) return;
    this.#handlers = handlers;
    this.#again = false;
    void this.#read(true);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  #notice(): void {
    if (this.#closed) return;
    if (this.#reading || !this.#handlers) {
      this.#again = true;
      return;
    }
    void this.#read(false);
  }

  /** A method, not the fields, after an await: a notice may have come meanwhile. */
  #noticedMeanwhile(): boolean {
    return this.#again && !this.#closed;
  }

  async #read(snapshot: boolean): Promise<void> {
    const handlers = this.#handlers;
    if (!handlers) return;
    this.#reading = true;
    try {
      do {
        this.#again = false;
        const all = (await this.#store.webhooks?.forJob(this.#jobId)) ?? [];
        if (this.#closed) return;
        const changed = all.filter((delivery) => {
          const now = fingerprint(delivery);
          if (this.#seen.get(delivery.id) === now) return false;
          this.#seen.set(delivery.id, now);
          return true;
        });
        if (snapshot || changed.length > 0)
          handlers.onDeliveries(snapshot ? all : changed, snapshot);
        snapshot = false;
      } while (this.#noticedMeanwhile());
    } catch (error) {
      if (this.#closed) return;
      this.close();
      handlers.onError(error);
    } finally {
      this.#reading = false;
    }
  }
}

/**
 * In-process event bus: a map from topic to listeners. Publishing is synchronous so an event
 * reaches subscribers in log order; a listener that throws is reported and cannot stop the
 * others from hearing the event. Job events and free-topic messages use separate maps because
 * their listeners take different payloads.
 *
 * A listener may publish (the runner claims a job, publishing `started`, while `queued` is
 * being delivered). That event waits until the current one has reached every listener, so
 * every listener hears events in publish order rather than `started` before `queued`.
 */
import type { JobEvent } from '../model/job.js';
import {
  type EventBus,
  type EventListener,
  type MessageListener,
  type Unsubscribe,
} from './store.js';
import { jobTopic, type MessageTopic, type Topic, type TopicMessage } from '../model/topic.js';

type Listeners<K, T> = Map<K, Set<(payload: T, conflated?: number) => void>>;

export class LocalBus implements EventBus {
  readonly #listeners: Listeners<Topic, JobEvent> = new Map();
  readonly #messageListeners: Listeners<MessageTopic, TopicMessage> = new Map();
  readonly #onListenerError: (error: unknown) => void;
  /** Deliveries waiting for the one in progress to finish. */
  readonly #pending: (() => void)[] = [];
  #delivering = false;

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  subscribe(topic: Topic, listener: EventListener): Unsubscribe {
    return add(this.#listeners, topic, listener);
  }

  subscribeMessages(topic: MessageTopic, listener: MessageListener): Unsubscribe {
    return add(this.#messageListeners, topic, listener);
  }

  /**
   * Delivers `event` to subscribers of its job topic and of `jobs`; `conflated` progress
   * events before it were superseded and are not delivered (deferred-delivery.ts).
   */
  publish(event: JobEvent, conflated = 0): number {
    let calls = 0;
    this.#inOrder(() => {
      calls += this.#deliver(this.#listeners, jobTopic(event.jobId), event, conflated);
      calls += this.#deliver(this.#listeners, 'jobs', event, conflated);
    });
    return calls; // 0 when called from a listener: it is delivered after the current one
  }

  /** Delivers `event` to the subscribers of `topic` only (a bus replaying what it missed). */
  deliver(topic: Topic, event: JobEvent): void {
    this.#inOrder(() => {
      this.#deliver(this.#listeners, topic, event);
    });
  }

  publishMessage(topic: MessageTopic, data: unknown): Promise<void> {
    this.deliverMessage({ topic, data, at: new Date().toISOString() });
    return Promise.resolve();
  }

  /** Delivers a message that was published elsewhere (another process, through Redis). */
  deliverMessage(message: TopicMessage): void {
    this.#inOrder(() => {
      this.#deliver(this.#messageListeners, message.topic, message);
    });
  }

  /** The job topics that have at least one subscriber. */
  topics(): Topic[] {
    return [...this.#listeners.keys()];
  }

  /** Number of live subscriptions (job and message topics), for metrics and leak tests. */
  get size(): number {
    let total = 0;
    for (const set of this.#listeners.values()) total += set.size;
    for (const set of this.#messageListeners.values()) total += set.size;
    return total;
  }

  /** Runs `delivery` now, or after the delivery in progress when called from a listener. */
  #inOrder(delivery: () => void): void {
    this.#pending.push(delivery);
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) next();
    } finally {
      this.#delivering = false;
    }
  }

  /** Returns how many listeners it called. */
  #deliver<K, T>(map: Listeners<K, T>, topic: K, payload: T, conflated = 0): number {
    const set = map.get(topic);
    if (!set) return 0;
    for (const listener of [...set]) {
      try {
        if (conflated > 0) listener(payload, conflated);
        else listener(payload);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
    return set.size;
  }
}

function add<K, T>(
  map: Listeners<K, T>,
  topic: K,
  listener: (payload: T, conflated?: number) => void,
): Unsubscribe {
  let set = map.get(topic);
  if (!set) {
    set = new Set();
    map.set(topic, set);
  }
  // Wrap so the same function can be subscribed twice and unsubscribed independently.
  const entry = (payload: T, conflated?: number) => {
    listener(payload, conflated);
  };
  set.add(entry);
  return () => {
    const current = map.get(topic);
    if (!current) return;
    current.delete(entry);
    if (current.size === 0) map.delete(topic);
  };
}

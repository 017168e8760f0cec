/**
 * In-process event bus: a map from topic to listeners. Publishing is synchronous so an event
 * reaches subscribers in log order; a listener that throws is reported and cannot stop the
 * others from hearing the event.
 */
import type { JobEvent } from '../jobs/job.js';
import {
  jobTopic,
  type EventBus,
  type EventListener,
  type Topic,
  type Unsubscribe,
} from './store.js';

export class LocalBus implements EventBus {
  readonly #listeners = new Map<Topic, Set<EventListener>>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  subscribe(topic: Topic, listener: EventListener): Unsubscribe {
    let set = this.#listeners.get(topic);
    if (!set) {
      set = new Set();
      this.#listeners.set(topic, set);
    }
    // Wrap so the same function can be subscribed twice and unsubscribed independently.
    const entry: EventListener = (event) => {
      listener(event);
    };
    set.add(entry);
    return () => {
      const current = this.#listeners.get(topic);
      if (!current) return;
      current.delete(entry);
      if (current.size === 0) this.#listeners.delete(topic);
    };
  }

  /** Delivers `event` to subscribers of its job topic and of `jobs`. */
  publish(event: JobEvent): void {
    this.deliver(jobTopic(event.jobId), event);
    this.deliver('jobs', event);
  }

  /** The topics that have at least one subscriber. */
  topics(): Topic[] {
    return [...this.#listeners.keys()];
  }

  /** Number of live subscriptions, for metrics and leak tests. */
  get size(): number {
    let total = 0;
    for (const set of this.#listeners.values()) total += set.size;
    return total;
  }

  /** Delivers `event` to the subscribers of `topic` only. */
  deliver(topic: Topic, event: JobEvent): void {
    const set = this.#listeners.get(topic);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}

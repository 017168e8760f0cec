/**
 * The event bus in Redis mode: one subscriber connection per process, on one channel that
 * carries every job event, dispatched locally to `job:<id>` and `jobs` subscribers.
 *
 * Trade-off: each gateway receives every event of the cluster rather than only those its
 * clients watch. In exchange, subscribing is local and synchronous, so "subscribe first, then
 * read" holds without waiting for a per-topic SUBSCRIBE round trip, and the Redis cost is one
 * subscription per process whatever the number of clients or jobs. Job events are small and
 * few per job; a cluster with very high event rates would shard the channel instead.
 *
 * Free-topic messages (chat:<room>) travel the same way on a second channel: at-most-once and
 * without history, as Redis pub/sub itself.
 *
 * Redis pub/sub is at-most-once: events published while the connection was down are lost.
 * After a reconnect the bus re-delivers each watched job's latest event from its stream, so
 * consumers learn where the job is now; the job watch fills any gap from the log and drops a
 * repeated seq, so resuming clients see neither a gap nor a duplicate.
 */
import type { Redis } from 'ioredis';
import { LocalBus } from '../local-bus.js';
import type { EventBus, EventListener, MessageListener, Unsubscribe } from '../store.js';
import type { MessageTopic, Topic, TopicMessage } from '../../model/topic.js';
import { eventFromEntry, eventFromPayload, type StreamEntry } from './codec.js';

export class RedisBus implements EventBus {
  readonly #local: LocalBus;
  readonly #subscriber: Redis;
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #onError: (error: unknown) => void;
  #connectedBefore = false;

  /** `subscriber` must be a dedicated connection; `client` is used for catch-up reads. */
  constructor(subscriber: Redis, client: Redis, prefix: string, onError: (error: unknown) => void) {
    this.#subscriber = subscriber;
    this.#client = client;
    this.#prefix = prefix;
    this.#onError = onError;
    this.#local = new LocalBus(onError);
  }

  /** Subscribes to the events channel; resolves once Redis confirmed the subscription. */
  async start(): Promise<void> {
    this.#subscriber.on('message', (channel: string, payload: string) => {
      try {
        if (channel === this.#messagesChannel) {
          this.#local.deliverMessage(JSON.parse(payload) as TopicMessage);
        } else {
          this.#local.publish(eventFromPayload(payload));
        }
      } catch (error) {
        this.#onError(error);
      }
    });
    // ioredis re-subscribes by itself after a reconnect; then we catch up.
    this.#subscriber.on('ready', () => {
      if (this.#connectedBefore) void this.#catchUp();
      this.#connectedBefore = true;
    });
    await this.#subscriber.subscribe(`${this.#prefix}events`, this.#messagesChannel);
    this.#connectedBefore = true;
  }

  get #messagesChannel(): string {
    return `${this.#prefix}messages`;
  }

  subscribe(topic: Topic, listener: EventListener): Unsubscribe {
    return this.#local.subscribe(topic, listener);
  }

  subscribeMessages(topic: MessageTopic, listener: MessageListener): Unsubscribe {
    return this.#local.subscribeMessages(topic, listener);
  }

  /** Resolves once Redis took the message; every process (this one too) receives it. */
  async publishMessage(topic: MessageTopic, data: unknown): Promise<void> {
    const message: TopicMessage = { topic, data, at: new Date().toISOString() };
    await this.#client.publish(this.#messagesChannel, JSON.stringify(message));
  }

  get size(): number {
    return this.#local.size;
  }

  /** Re-delivers the latest event of every watched job (see the header). */
  async #catchUp(): Promise<void> {
    try {
      // Make sure the subscription is active again before reading, or an event published
      // between the read and the resubscription would be lost after all.
      await this.#subscriber.subscribe(`${this.#prefix}events`, this.#messagesChannel);
    } catch (error) {
      this.#onError(error);
      return;
    }
    for (const topic of this.#local.topics()) {
      if (!topic.startsWith('job:')) continue;
      const jobId = topic.slice('job:'.length);
      try {
        const entries = (await this.#client.xrevrange(
          `${this.#prefix}ev:${jobId}`,
          '+',
          '-',
          'COUNT',
          1,
        )) as StreamEntry[];
        const latest = entries[0];
        if (latest) this.#local.deliver(topic, eventFromEntry(jobId, latest));
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

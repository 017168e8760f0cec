/**
 * One bus subscription per message topic in this process, however many local listeners it has:
 * each message is numbered (`seq`, the topic's own count in this process, from 1 when the topic
 * got its first listener here) and every listener gets the same numbered object. So a transport
 * can encode a message once for all its subscribers, and a gap in `seq` seen by one subscriber
 * means that subscriber lost messages (flow control), never that another one was numbered apart.
 */
import type { MessageTopic, TopicMessage } from '../model/topic.js';
import type { EventBus, Unsubscribe } from '../store/store.js';

export interface NumberedMessage<T> extends TopicMessage {
  readonly data: T;
  /** The topic's count of messages in this process: consecutive for every listener. */
  readonly seq: number;
}

export interface FanoutSubscription {
  /** The topic's last `seq` when this subscription began: its first message is `seq + 1`. */
  readonly seq: number;
  unsubscribe(): void;
}

interface Channel<T> {
  seq: number;
  readonly listeners: Set<(message: NumberedMessage<T>) => void>;
  readonly unsubscribe: Unsubscribe;
}

export class TopicFanout<T> {
  readonly #bus: EventBus;
  /** What may be numbered and delivered; anything else on the bus is not a message. */
  readonly #accepts: (data: unknown) => data is T;
  readonly #channels = new Map<MessageTopic, Channel<T>>();

  constructor(bus: EventBus, accepts: (data: unknown) => data is T) {
    this.#bus = bus;
    this.#accepts = accepts;
  }

  subscribe(
    topic: MessageTopic,
    listener: (message: NumberedMessage<T>) => void,
  ): FanoutSubscription {
    const channel = this.#channels.get(topic) ?? this.#open(topic);
    // A listener added while a message is being delivered hears the next one, not that one.
    channel.listeners.add(listener);
    let subscribed = true;
    return {
      seq: channel.seq,
      unsubscribe: () => {
        if (!subscribed) return;
        subscribed = false;
        channel.listeners.delete(listener);
        if (channel.listeners.size > 0 || this.#channels.get(topic) !== channel) return;
        this.#channels.delete(topic);
        channel.unsubscribe();
      },
    };
  }

  #open(topic: MessageTopic): Channel<T> {
    const listeners = new Set<(message: NumberedMessage<T>) => void>();
    const channel: Channel<T> = {
      seq: 0,
      listeners,
      unsubscribe: this.#bus.subscribeMessages(topic, (message) => {
        this.#deliver(channel, message);
      }),
    };
    this.#channels.set(topic, channel);
    return channel;
  }

  #deliver(channel: Channel<T>, message: TopicMessage): void {
    const { data } = message;
    if (!this.#accepts(data) || channel.listeners.size === 0) return;
    channel.seq += 1;
    // Named fields, not `{ ...message, … }`: on Node 20 a literal that opens with a spread is
    // built on a slow path (3.5–4.7 µs measured for the engine's submit), once per message here.
    const { topic, at } = message;
    const numbered: NumberedMessage<T> = { topic, at, data, seq: channel.seq };
    // As the bus does: a listener that throws cannot stop the others from hearing the message.
    // The bus reports what this rethrows.
    const errors: unknown[] = [];
    for (const listener of [...channel.listeners]) {
      try {
        listener(numbered);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} listeners failed`);
  }
}

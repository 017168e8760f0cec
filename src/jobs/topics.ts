/**
 * The door to message topics (`chat:<room>`): what a client publishes, who is in each room, and
 * the join/leave notices, carried by the bus with no log (at-most-once). Transports render what
 * arrives; they never reach the bus themselves.
 */
import type { MessageTopic, TopicMessage } from '../model/topic.js';
import type { EventBus } from '../store/store.js';
import { Presence } from './presence.js';

/**
 * What travels on the bus as a message's `data`: a client's message, or the server's notice.
 * Clients cannot forge notices: what they publish is always wrapped as `publish`.
 */
export type TopicPayload =
  | { kind: 'publish'; data: unknown }
  | { kind: 'presence'; event: 'join' | 'leave'; name: string; members: number };

export type TopicListener = (message: TopicMessage) => void;

export class Topics {
  readonly #bus: EventBus;
  readonly #presence = new Presence();

  constructor(bus: EventBus) {
    this.#bus = bus;
  }

  /** Delivers a client's `data` to the topic's current subscribers. */
  publish(topic: MessageTopic, data: unknown): Promise<void> {
    return this.#notify(topic, { kind: 'publish', data });
  }

  /**
   * Calls `listener` for each message on `topic` from now on; its `data` is a `TopicPayload`.
   * Every listener gets the same message object: render it once, do not modify it.
   */
  subscribe(topic: MessageTopic, listener: TopicListener): () => void {
    return this.#bus.subscribeMessages(topic, listener);
  }

  /** Adds `member` to the room under `name` and announces it to the room. */
  join(topic: MessageTopic, member: object, name: string): Promise<void> {
    const members = this.#presence.join(topic, member, name);
    return this.#notify(topic, { kind: 'presence', event: 'join', name, members });
  }

  /** Removes `member` from the room and, if it had joined under a name, announces it. */
  leave(topic: MessageTopic, member: object): void {
    const left = this.#presence.leave(topic, member);
    // The bus refuses only once the store is closed, at shutdown, when nobody is left to tell.
    if (left) {
      void this.#notify(topic, { kind: 'presence', event: 'leave', ...left }).catch(
        () => undefined,
      );
    }
  }

  /** The name `member` joined `topic` under, if any. */
  nameOf(topic: string, member: object): string | undefined {
    return this.#presence.nameOf(topic, member);
  }

  #notify(topic: MessageTopic, payload: TopicPayload): Promise<void> {
    return this.#bus.publishMessage(topic, payload);
  }
}

/**
 * The door to message topics (`chat:<room>`): what a client publishes, who is in each room, and
 * the join/leave notices, carried by the bus with no log (at-most-once). Transports render what
 * arrives; they never reach the bus themselves. A notice's `members` is the room's count on
 * every gateway when a shared presence is given (Redis mode), else this process's.
 */
import type { MessageTopic } from '../model/topic.js';
import type { RoomPresence } from '../store/room-presence.js';
import type { EventBus } from '../store/store.js';
import { Presence } from './presence.js';
import { TopicFanout, type FanoutSubscription, type NumberedMessage } from './topic-fanout.js';

/**
 * What travels on the bus as a message's `data`: a client's message, or the server's notice.
 * Clients cannot forge notices: what they publish is always wrapped as `publish`.
 */
export type TopicPayload =
  | { kind: 'publish'; data: unknown }
  | { kind: 'presence'; event: 'join' | 'leave'; name: string; members: number };

export type TopicListener = (message: NumberedMessage<TopicPayload>) => void;

/** A payload only this class puts on the bus; anything else on a topic's channel is dropped. */
function isTopicPayload(data: unknown): data is TopicPayload {
  if (typeof data !== 'object' || data === null || !('kind' in data)) return false;
  if (data.kind === 'publish') return 'data' in data;
  return (
    data.kind === 'presence' &&
    'event' in data &&
    (data.event === 'join' || data.event === 'leave') &&
    'name' in data &&
    typeof data.name === 'string' &&
    'members' in data &&
    typeof data.members === 'number'
  );
}

export class Topics {
  readonly #bus: EventBus;
  readonly #fanout: TopicFanout<TopicPayload>;
  readonly #presence = new Presence();
  readonly #shared: RoomPresence | undefined;
  /** Each member's id in the shared presence, unique in this process. */
  readonly #ids = new WeakMap<object, string>();
  #nextId = 0;

  constructor(bus: EventBus, shared?: RoomPresence) {
    this.#bus = bus;
    this.#fanout = new TopicFanout(bus, isTopicPayload);
    this.#shared = shared;
  }

  /** Delivers a client's `data` to the topic's current subscribers. */
  publish(topic: MessageTopic, data: unknown): Promise<void> {
    return this.#notify(topic, { kind: 'publish', data });
  }

  /**
   * Calls `listener` for each message on `topic` from now on, numbered by the topic (`seq`,
   * topic-fanout.ts). Every listener gets the same message object: render it once, do not
   * modify it.
   */
  subscribe(topic: MessageTopic, listener: TopicListener): FanoutSubscription {
    return this.#fanout.subscribe(topic, listener);
  }

  /** Adds `member` to the room under `name` and announces it to the room. */
  async join(topic: MessageTopic, member: object, name: string): Promise<void> {
    const here = this.#presence.join(topic, member, name);
    const members = this.#shared ? await this.#shared.join(topic, this.#idOf(member), name) : here;
    await this.#notify(topic, { kind: 'presence', event: 'join', name, members });
  }

  /** Removes `member` from the room and, if it had joined under a name, announces it. */
  leave(topic: MessageTopic, member: object): void {
    const left = this.#presence.leave(topic, member);
    if (!left) return;
    const { name } = left;
    const members = this.#shared?.leave(topic, this.#idOf(member)) ?? Promise.resolve(left.members);
    // The bus refuses only once the store is closed, at shutdown, when nobody is left to tell.
    void members
      .then((count) =>
        this.#notify(topic, { kind: 'presence', event: 'leave', name, members: count }),
      )
      .catch(() => undefined);
  }

  /** The name `member` joined `topic` under, if any. */
  nameOf(topic: string, member: object): string | undefined {
    return this.#presence.nameOf(topic, member);
  }

  #idOf(member: object): string {
    let id = this.#ids.get(member);
    if (id === undefined) {
      id = (this.#nextId++).toString(36);
      this.#ids.set(member, id);
    }
    return id;
  }

  #notify(topic: MessageTopic, payload: TopicPayload): Promise<void> {
    return this.#bus.publishMessage(topic, payload);
  }
}

/**
 * Chat topics (`chat:<room>`): messages fan out through the bus with no log (at-most-once). A
 * subscription numbers what it receives (`seq` 1, 2, 3, … from when it joined), so a message
 * dropped for a client out of credits shows as a gap, never silently. Members who subscribe
 * with a name are announced with join/leave notices on the same topic.
 */
import type { MessageTopic, Store, TopicMessage } from '../../store/store.js';
import type { Subscription, SubscriptionContext } from './subscription.js';

/** What travels on the bus: a client's message, or the server's notice. Clients cannot forge notices. */
type ChatPayload =
  | { kind: 'publish'; data: unknown }
  | { kind: 'presence'; event: 'join' | 'leave'; name: string; members: number };

export function publishChat(store: Store, topic: MessageTopic, data: unknown): Promise<void> {
  const payload: ChatPayload = { kind: 'publish', data };
  return store.publishMessage(topic, payload);
}

/**
 * One message goes to every subscriber: serialise its data once, not once per subscriber
 * (the bus hands every listener the same message object).
 */
const dataJson = new WeakMap<TopicMessage, string>();

function render(message: TopicMessage, seq: number): string | undefined {
  const payload = message.data as Partial<ChatPayload> | null;
  const where = `"topic":${JSON.stringify(message.topic)},"seq":${seq},"at":${JSON.stringify(message.at)}`;
  if (payload?.kind === 'presence') {
    const { event, name, members } = payload;
    return `{"type":"presence",${where},${JSON.stringify({ event, name, members }).slice(1)}`;
  }
  if (payload?.kind !== 'publish') return undefined;
  let data = dataJson.get(message);
  if (data === undefined) {
    data = JSON.stringify(payload.data);
    dataJson.set(message, data);
  }
  return `{"type":"event",${where},"data":${data}}`;
}

export class ChatSubscription implements Subscription {
  readonly kind = 'chat';
  readonly #ctx: SubscriptionContext;
  readonly #topic: MessageTopic;
  readonly #unsubscribe: () => void;
  #seq = 0;
  #closed = false;

  constructor(ctx: SubscriptionContext, topic: MessageTopic) {
    this.#ctx = ctx;
    this.#topic = topic;
    this.#unsubscribe = ctx.store.subscribeMessages(topic, (message) => {
      const text = render(message, this.#seq + 1);
      if (text === undefined) return;
      this.#seq += 1;
      ctx.outbox.deliver(text);
    });
  }

  /** Joins the room's presence under `name` and announces it. */
  announce(name: string): Promise<void> {
    const members = this.#ctx.presence.join(this.#topic, this.#ctx.member, name);
    return this.#notice({ kind: 'presence', event: 'join', name, members });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    const left = this.#ctx.presence.leave(this.#topic, this.#ctx.member);
    // The bus refuses only once the store is closed, at shutdown, when nobody is left to tell.
    if (left)
      void this.#notice({ kind: 'presence', event: 'leave', ...left }).catch(() => undefined);
  }

  #notice(payload: ChatPayload): Promise<void> {
    return this.#ctx.store.publishMessage(this.#topic, payload);
  }
}

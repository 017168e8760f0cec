/**
 * Chat topics (`chat:<room>`): messages fan out through the engine's topics with no log
 * (at-most-once). A subscription numbers what it receives (`seq` 1, 2, 3, … from when it
 * joined), so a message dropped for a client out of credits shows as a gap, never silently.
 * Members who subscribe with a name are announced with join/leave notices on the same topic.
 */
import type { TopicPayload } from '../../jobs/topics.js';
import type { MessageTopic, TopicMessage } from '../../model/topic.js';
import type { Subscription, SubscriptionContext } from './subscription.js';

/**
 * One message goes to every subscriber, and only `seq` differs between their copies: render
 * the rest once per message, not once per subscriber (the bus hands every listener the same
 * message object).
 */
const rendered = new WeakMap<TopicMessage, readonly [before: string, after: string] | null>();

function render(message: TopicMessage, seq: number): string | undefined {
  let parts = rendered.get(message);
  if (parts === undefined) {
    parts = renderParts(message);
    rendered.set(message, parts);
  }
  return parts ? `${parts[0]}${seq}${parts[1]}` : undefined;
}

/** The message around its `seq`, or null when it is not one clients may see. */
function renderParts(message: TopicMessage): readonly [string, string] | null {
  const payload = message.data as Partial<TopicPayload> | null;
  const before = `"topic":${JSON.stringify(message.topic)},"seq":`;
  const at = `,"at":${JSON.stringify(message.at)}`;
  if (payload?.kind === 'presence') {
    const { event, name, members } = payload;
    return [
      `{"type":"presence",${before}`,
      `${at},${JSON.stringify({ event, name, members }).slice(1)}`,
    ];
  }
  if (payload?.kind !== 'publish') return null;
  return [`{"type":"event",${before}`, `${at},"data":${JSON.stringify(payload.data)}}`];
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
    this.#unsubscribe = ctx.engine.topics.subscribe(topic, (message) => {
      const text = render(message, this.#seq + 1);
      if (text === undefined) return;
      this.#seq += 1;
      ctx.outbox.deliver(text);
    });
  }

  /** Joins the room's presence under `name` and announces it. */
  announce(name: string): Promise<void> {
    return this.#ctx.engine.topics.join(this.#topic, this.#ctx.member, name);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#ctx.engine.topics.leave(this.#topic, this.#ctx.member);
  }
}

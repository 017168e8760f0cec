/**
 * Chat topics (`chat:<room>`): messages fan out through the engine's topics with no log
 * (at-most-once). The topic numbers its messages (`seq`, topic-fanout.ts) and `subscribed`
 * says where a subscription starts, so a message dropped for a client out of credits shows as
 * a gap, never silently.
 * Members who subscribe with a name are announced with join/leave notices on the same topic.
 */
import type { NumberedMessage } from '../../jobs/topic-fanout.js';
import type { TopicPayload } from '../../jobs/topics.js';
import type { MessageTopic } from '../../model/topic.js';
import type { Subscription, SubscriptionContext } from './subscription.js';

/**
 * The bus hands every subscriber the same numbered message, and its `seq` is the topic's: one
 * frame, encoded to bytes once, is written to every socket (as a bare `ws` broadcast writes the
 * one buffer it received), not a string per subscriber that each socket encodes again.
 */
const frames = new WeakMap<NumberedMessage<TopicPayload>, Buffer>();

function frameOf(message: NumberedMessage<TopicPayload>): Buffer {
  let frame = frames.get(message);
  if (frame === undefined) {
    frame = Buffer.from(JSON.stringify(render(message)));
    frames.set(message, frame);
  }
  return frame;
}

function render({ topic, seq, at, data: payload }: NumberedMessage<TopicPayload>): object {
  if (payload.kind === 'publish') return { type: 'event', topic, seq, at, data: payload.data };
  const { event, name, members } = payload;
  return { type: 'presence', topic, seq, at, event, name, members };
}

export class ChatSubscription implements Subscription {
  readonly kind = 'chat';
  readonly #ctx: SubscriptionContext;
  readonly #topic: MessageTopic;
  readonly #unsubscribe: () => void;
  /** The topic's last `seq` when this subscription began (the `subscribed` reply says it). */
  readonly seq: number;
  #closed = false;

  constructor(ctx: SubscriptionContext, topic: MessageTopic) {
    this.#ctx = ctx;
    this.#topic = topic;
    const subscription = ctx.engine.topics.subscribe(topic, (message) => {
      ctx.outbox.deliver(frameOf(message));
    });
    this.seq = subscription.seq;
    this.#unsubscribe = () => {
      subscription.unsubscribe();
    };
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

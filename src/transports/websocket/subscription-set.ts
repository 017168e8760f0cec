/**
 * A connection's topics: `subscribe`, `unsubscribe` and `publish` requests, the
 * per-connection limits (subscriptions held, publishes a second), and the bookkeeping that
 * keeps a topic's answers in order when requests race (a job subscription opens
 * asynchronously; a newer request for the same topic replaces it).
 */
import type { Logger } from 'pino';
import { AppError } from '../../model/errors/app-error.js';
import type { Caller } from '../../auth/caller.js';
import { requireJob, requirePublish, requireSubscribe } from '../../auth/token-scope.js';
import type { JobEngine } from '../../jobs/engine.js';
import { TokenBucket } from '../../limits/token-bucket.js';
import { ChatSubscription } from './chat-subscription.js';
import { DeliverySubscription } from './delivery-subscription.js';
import { JobSubscription, JobsSubscription } from './job-subscriptions.js';
import type { Outbox } from './outbox.js';
import {
  errorMessage,
  parseTopic,
  type ClientMessage,
  type ParsedTopic,
  type RequestId,
  type ServerMessage,
} from '../../model/ws-protocol.js';
import { asClientError } from './as-client-error.js';
import type { Subscription, SubscriptionContext } from './subscription.js';

type Of<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;
type About = { id?: RequestId; topic?: string };

export interface SubscriptionSetDeps {
  engine: JobEngine;
  caller: Caller;
  outbox: Outbox;
  logger: Logger;
  maxSubscriptions: number;
  /** Publishes (and joins under a name) a connection may make per second. */
  publishRate: number;
  /** The per-key publish limit: 0 to go ahead, else the ms to wait. */
  keyPublishDelay(): Promise<number>;
  /** The connection, as the identity of a room member. */
  member: object;
}

export class SubscriptionSet {
  readonly #deps: SubscriptionSetDeps;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #context: SubscriptionContext;
  readonly #publishes: TokenBucket;

  constructor(deps: SubscriptionSetDeps) {
    this.#deps = deps;
    this.#publishes = new TokenBucket(deps.publishRate);
    this.#context = {
      ...deps,
      send: (message, key) => {
        this.#send(message, key);
      },
      ended: (topic, subscription) => {
        if (this.#forget(topic, subscription)) {
          this.#send({ type: 'unsubscribed', topic, reason: 'ended' }, topic);
        }
      },
      failed: (topic, subscription, error) => {
        if (this.#forget(topic, subscription)) this.#error(error, { topic });
      },
    };
  }

  get topics(): string[] {
    return [...this.#subscriptions.keys()];
  }

  /** Adds this set's subscriptions to `into`, by kind. */
  count(into: Record<Subscription['kind'], number>): void {
    for (const subscription of this.#subscriptions.values()) into[subscription.kind] += 1;
  }

  subscribe({ topic: text, after, name, id }: Of<'subscribe'>): void {
    const topic = parseTopic(text);
    if (topic instanceof AppError) {
      this.#error(topic, { id, topic: text });
      return;
    }
    const about = { id, topic: topic.topic };
    const outOfScope = scopeRefusal(this.#deps.caller, topic);
    if (outOfScope) {
      this.#error(outOfScope, about);
      return;
    }
    if (after !== undefined && topic.kind !== 'job') {
      this.#error(invalidField('after', 'applies to job:<id> topics only'), about);
      return;
    }
    if (name !== undefined && topic.kind !== 'chat') {
      this.#error(invalidField('name', 'applies to chat:<room> topics only'), about);
      return;
    }
    const limited = name === undefined ? undefined : this.#admitConnectionPublish();
    if (limited) {
      this.#error(limited, about);
      return;
    }
    // Subscribing again replaces the subscription (a job topic restarts from the new `after`).
    this.#drop(topic.topic);
    const max = this.#deps.maxSubscriptions;
    if (this.#subscriptions.size >= max) {
      const detail = `a connection may hold ${max} subscriptions`;
      this.#error(new AppError('too_many_subscriptions', detail), about);
      return;
    }
    const acknowledge = () => {
      this.#send({ type: 'subscribed', topic: topic.topic, id }, topic.topic);
    };
    if (topic.kind === 'job') {
      const subscription = new JobSubscription(this.#context, topic.topic, topic.jobId);
      this.#subscriptions.set(topic.topic, subscription);
      subscription.open(after, acknowledge).catch((error: unknown) => {
        subscription.close();
        if (this.#forget(topic.topic, subscription)) this.#error(error, about);
      });
      return;
    }
    if (topic.kind === 'jobs') {
      this.#subscriptions.set(topic.topic, new JobsSubscription(this.#context));
      acknowledge();
      return;
    }
    if (topic.kind === 'deliveries') {
      const subscription = new DeliverySubscription(this.#context, topic.topic, topic.jobId);
      this.#subscriptions.set(topic.topic, subscription);
      subscription.open(acknowledge).catch((error: unknown) => {
        subscription.close();
        if (this.#forget(topic.topic, subscription)) this.#error(error, about);
      });
      return;
    }
    const chat = new ChatSubscription(this.#context, topic.topic);
    this.#subscriptions.set(topic.topic, chat);
    // Where the topic's numbering stands: the first message this client gets is seq + 1.
    this.#send({ type: 'subscribed', topic: topic.topic, id, seq: chat.seq }, topic.topic);
    if (name !== undefined) {
      // The key's rate may live in Redis: the join waits for it, the subscription does not.
      this.#admitKeyPublish()
        .then((refused) => {
          if (!refused) return chat.announce(name);
          this.#error(refused, about);
          return undefined;
        })
        .catch((error: unknown) => {
          this.#error(error, about);
        });
    }
  }

  unsubscribe({ topic: text, id }: Of<'unsubscribe'>): void {
    const topic = parseTopic(text);
    if (topic instanceof AppError) {
      this.#error(topic, { id, topic: text });
      return;
    }
    this.#drop(topic.topic);
    this.#send({ type: 'unsubscribed', topic: topic.topic, reason: 'requested', id }, topic.topic);
  }

  /** Publishes a client's message to a chat topic, within the rate limits. */
  publish({ topic: text, data, id }: Of<'publish'>): void {
    const topic = parseTopic(text);
    if (topic instanceof AppError) {
      this.#error(topic, { id, topic: text });
      return;
    }
    const about = { id, topic: topic.topic };
    if (topic.kind !== 'chat') {
      const detail = `${topic.topic} is written by the server; publish to chat:<room> topics`;
      this.#error(new AppError('publish_not_allowed', detail), about);
      return;
    }
    const outOfScope = scopeRefusal(this.#deps.caller, topic, 'publish');
    if (outOfScope) {
      this.#error(outOfScope, about);
      return;
    }
    const limited = this.#admitConnectionPublish();
    if (limited) {
      this.#error(limited, about);
      return;
    }
    // The key's rate may live in Redis (shared by gateways); one connection's publishes still
    // go out in order, as its checks answer in order.
    const published = this.#admitKeyPublish().then(async (refused) => {
      if (refused) throw refused;
      await this.#deps.engine.topics.publish(topic.topic, data);
    });
    published.then(
      () => {
        if (id !== undefined) this.#send({ type: 'published', topic: topic.topic, id });
      },
      (error: unknown) => {
        this.#error(error, about, 'websocket publish failed');
      },
    );
  }

  closeAll(): void {
    for (const subscription of this.#subscriptions.values()) subscription.close();
    this.#subscriptions.clear();
  }

  /**
   * Takes this connection's publish token, or says why not. A join notice reaches the whole
   * room like a message, so joining under a name is rate limited like publishing.
   */
  #admitConnectionPublish(): AppError | undefined {
    const retryAfterMs = this.#publishes.take();
    if (retryAfterMs > 0) {
      const detail = `at most ${this.#deps.publishRate} publishes (or joins) a second`;
      return new AppError('rate_limited', detail, { retryAfterMs });
    }
    return undefined;
  }

  /** Takes a token from the API key's publish rate, or says why not. */
  async #admitKeyPublish(): Promise<AppError | undefined> {
    const keyWait = await this.#deps.keyPublishDelay();
    if (keyWait > 0) {
      const detail = 'too many publishes from this API key (--publish-rate-per-key)';
      return new AppError('rate_limited', detail, { retryAfterMs: keyWait });
    }
    return undefined;
  }

  #send(message: ServerMessage, key?: string): void {
    this.#deps.outbox.push(JSON.stringify(message), key);
  }

  #error(error: unknown, about: About, context = 'websocket subscription failed'): void {
    this.#send(errorMessage(asClientError(error, this.#deps.logger, context), about));
  }

  /** Closes and forgets the subscription to `topic`, if any. */
  #drop(topic: string): void {
    this.#subscriptions.get(topic)?.close();
    this.#subscriptions.delete(topic);
  }

  /** Forgets `subscription` if it is still the one for `topic`; true when it was. */
  #forget(topic: string, subscription: Subscription): boolean {
    if (this.#subscriptions.get(topic) !== subscription) return false;
    this.#subscriptions.delete(topic);
    return true;
  }
}

/** A scoped token's refusal of `topic` (auth/token-scope.ts), or undefined when it may. */
function scopeRefusal(
  { scope }: Caller,
  topic: ParsedTopic,
  action: 'subscribe' | 'publish' = 'subscribe',
): AppError | undefined {
  if (scope === undefined) return undefined;
  try {
    if (action === 'publish') requirePublish(scope, topic.topic);
    else if (topic.kind === 'job' || topic.kind === 'deliveries') requireJob(scope, topic.jobId);
    else requireSubscribe(scope, topic.topic);
    return undefined;
  } catch (error) {
    return error as AppError;
  }
}

function invalidField(field: string, message: string): AppError {
  return new AppError('invalid_message', `${field} ${message}`, { errors: [{ field, message }] });
}

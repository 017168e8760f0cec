/** What a connection's subscriptions share with it, and what it needs from each of them. */
import type { Caller } from '../../auth/caller.js';
import type { Store } from '../../store/store.js';
import type { Outbox } from './outbox.js';
import type { Presence } from '../../jobs/presence.js';
import type { ServerMessage } from '../../model/ws-protocol.js';

export interface Subscription {
  readonly kind: 'job' | 'jobs' | 'chat';
  /** Releases its bus subscription (and leaves the room). Idempotent. */
  close(): void;
}

export interface SubscriptionContext {
  readonly store: Store;
  /** Whose connection this is: job topics show only the jobs it may see. */
  readonly caller: Caller;
  readonly outbox: Outbox;
  readonly presence: Presence;
  /** The connection, as the identity of a room member. */
  readonly member: object;
  /** Queues a message; `key` keeps it in order with conflated progress for that key. */
  send(message: ServerMessage, key?: string): void;
  /** The subscription ended by itself (its job finished): forget it. */
  ended(topic: string, subscription: Subscription): void;
  /** It failed after it was acknowledged (a store read): tell the client, forget it. */
  failed(topic: string, subscription: Subscription, error: unknown): void;
}

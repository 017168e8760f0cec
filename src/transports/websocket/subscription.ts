/** What a connection's subscriptions share with it, and what it needs from each of them. */
import type { Caller } from '../../auth/caller.js';
import type { JobEngine } from '../../jobs/engine.js';
import type { Outbox } from './outbox.js';
import type { ServerMessage } from '../../model/ws-protocol.js';

export interface Subscription {
  readonly kind: 'job' | 'jobs' | 'chat' | 'deliveries';
  /** Releases its subscription in the engine (and leaves the room). Idempotent. */
  close(): void;
}

export interface SubscriptionContext {
  /** The only door to jobs, their events and the message topics. */
  readonly engine: JobEngine;
  /** Whose connection this is: job topics show only the jobs it may see. */
  readonly caller: Caller;
  readonly outbox: Outbox;
  /** The connection, as the identity of a room member. */
  readonly member: object;
  /** Queues a message; `key` keeps it in order with conflated progress for that key. */
  send(message: ServerMessage, key?: string): void;
  /** The subscription ended by itself (its job finished): forget it. */
  ended(topic: string, subscription: Subscription): void;
  /** It failed after it was acknowledged (a store read): tell the client, forget it. */
  failed(topic: string, subscription: Subscription, error: unknown): void;
}

/**
 * The webhook outbox a store keeps beside its jobs: which jobs asked to be called back, and one
 * delivery row per job event to report, written in the SAME atomic step as the change that
 * causes it (the transactional outbox). A crash between the change and the HTTP call therefore
 * loses nothing: the delivery is still pending when the process comes back.
 *
 * Deliveries are at least once: a claim leases a row for a while, and a process that dies with
 * it leased leaves it to be claimed again, under the same id, once the lease runs out.
 */
import type { Delivery, WebhookEventMode } from '../model/webhook.js';

export interface WebhookTarget {
  url: string;
  events: WebhookEventMode;
}

/** A delivery claimed for one attempt. Times are ms since the epoch. */
export interface DueDelivery {
  /** The `webhook-id`, the same on every attempt. */
  id: string;
  jobId: string;
  url: string;
  /** The exact body to send: fixed when the change happened, so every attempt sends the same. */
  payload: string;
  /** Attempts made before this one. */
  attempts: number;
  /** When its retry window opened (the change, or the last redelivery). */
  windowStart: number;
  /**
   * Set for a delivery to a registered endpoint (webhook-endpoints.ts): its secrets as they
   * are at claim time, or none when the endpoint was deleted meanwhile. Unset: a submit's own
   * webhook, signed with the server's secret.
   */
  endpoint?: { id: string; keys?: EndpointKeys };
}

export interface EndpointKeys {
  secret: string;
  /** The secret before the last rotation, and until when (ms) it signs too. */
  previousSecret?: string;
  previousUntil?: number;
}

export interface AttemptRecord {
  at: number;
  statusCode?: number;
  latencyMs: number;
  error?: string;
}

export type AttemptOutcome =
  { state: 'delivered' } | { state: 'pending'; nextAt: number } | { state: 'dead' };

export type RedeliverResult = 'redelivered' | 'missing' | 'not_dead';

export interface WebhookOutbox {
  /**
   * Up to `limit` pending deliveries due by `now`, oldest first, each leased until
   * `now + leaseMs` so that no other claim takes it meanwhile. A delivery waits while an
   * earlier one of the same job to the same URL is pending: per job and URL, in order.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]>;
  /** Gives a claimed delivery back without an attempt, due again at `nextAt` (endpoint paused). */
  postpone(id: string, nextAt: number): Promise<void>;
  /** Records one attempt and what follows it; ends the lease. */
  recordAttempt(id: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void>;
  /** When the earliest pending delivery is due (undefined: none pending). */
  nextDueAt(): Promise<number | undefined>;
  /** Every delivery of a job with its attempts, oldest first. */
  forJob(jobId: string): Promise<Delivery[]>;
  /** A dead delivery becomes pending again at `now`, with a fresh retry window. */
  redeliver(jobId: string, deliveryId: string, now: number): Promise<RedeliverResult>;
  /** Counts by state (metrics). */
  countByState(): Promise<Record<Delivery['state'], number>>;
  /**
   * Calls `listener` (soon, not synchronously) whenever a change wrote deliveries, so a
   * delivery loop need not look at the outbox after every job event. Returns the unsubscribe.
   */
  onRecorded(listener: () => void): () => void;
}

/**
 * What a new job is made of when a store creates it: the shape `Store.create` and a schedule's
 * tick (schedules.ts) both write. Its own file so those two interfaces need not import each
 * other.
 */
import type { BackoffPolicy } from '../model/backoff.js';
import type { WebhookTarget } from './webhook-outbox.js';

export interface NewJob {
  type: string;
  /** Already validated and normalised (defaults applied). */
  input: unknown;
  idempotencyKey?: string;
  /** With API keys on: the submitting key's name. */
  owner?: string;
  /** URLs to call back about the job's events (webhook-outbox.ts). */
  webhooks?: readonly WebhookTarget[];
  /** Runs it may have in all (default 1: no retries). */
  maxAttempts?: number;
  /** The wait before each retry (kept only when `maxAttempts` > 1). */
  backoff?: BackoffPolicy;
  /** Higher is claimed first (default 0). */
  priority?: number;
  /** Not claimed before this time (ms since the epoch, on the deployment's clock). */
  runAt?: number;
  /**
   * Kept this long (ms) once finished, instead of the retention the pruner is given
   * (`Store.prune`); absent: that retention.
   */
  keepForMs?: number;
}

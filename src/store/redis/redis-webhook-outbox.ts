/**
 * The Redis store's webhook outbox (../webhook-outbox.ts). Deliveries are written by the change
 * scripts themselves (webhook-outbox-lua.ts), atomically with the event they report; this is
 * the queue side over webhook-scripts.ts. Any process may deliver: a claim leases each
 * delivery under a token, so one process at a time attempts it, and a process that dies with
 * a lease leaves the delivery to be claimed again, under the same webhook-id, once it lapses.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DELIVERY_STATES, type Delivery, type DeliveryState } from '../../model/webhook.js';
import type {
  AttemptOutcome,
  AttemptRecord,
  DueDelivery,
  EndpointKeys,
  RedeliverResult,
  WebhookOutbox,
} from '../webhook-outbox.js';
import { eventFromPayload, hashFromList } from './codec.js';
import { defineScripts, guard, type ScriptReply } from './redis-commands.js';
import {
  WEBHOOK_ATTEMPT_SCRIPT,
  WEBHOOK_CLAIM_SCRIPT,
  WEBHOOK_FOR_JOB_SCRIPT,
  WEBHOOK_POSTPONE_SCRIPT,
  WEBHOOK_REDELIVER_SCRIPT,
} from './webhook-scripts.js';

declare module 'ioredis' {
  interface RedisCommander {
    bpWebhookClaim(...args: string[]): Promise<ScriptReply>;
    bpWebhookPostpone(...args: string[]): Promise<ScriptReply>;
    bpWebhookAttempt(...args: string[]): Promise<ScriptReply>;
    bpWebhookRedeliver(...args: string[]): Promise<ScriptReply>;
    bpWebhookForJob(...args: string[]): Promise<string[][]>;
  }
}

const SCRIPTS = {
  bpWebhookClaim: WEBHOOK_CLAIM_SCRIPT,
  bpWebhookPostpone: WEBHOOK_POSTPONE_SCRIPT,
  bpWebhookAttempt: WEBHOOK_ATTEMPT_SCRIPT,
  bpWebhookRedeliver: WEBHOOK_REDELIVER_SCRIPT,
  bpWebhookForJob: WEBHOOK_FOR_JOB_SCRIPT,
};

export interface RedisWebhookContext {
  redis: Redis;
  prefix: string;
  epoch(): string;
  /** Throws why a script found another epoch. */
  refusedForEpoch(): Promise<never>;
  onError(error: unknown): void;
}

interface StoredAttempt {
  at: number;
  statusCode?: number;
  latencyMs: number;
  error?: string;
}

export class RedisWebhookOutbox implements WebhookOutbox {
  readonly #ctx: RedisWebhookContext;
  /** The lease token of each delivery this process holds (claimed, not yet recorded). */
  readonly #held = new Map<string, string>();
  readonly #listeners = new Set<() => void>();
  /** A connection of its own for the wake-up channel, opened on the first listener. */
  #subscriber: Redis | undefined;

  constructor(ctx: RedisWebhookContext) {
    this.#ctx = ctx;
    defineScripts(ctx.redis, SCRIPTS);
  }

  claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return guard(this.#claimDue(now, limit, leaseMs));
  }

  async #claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    const token = randomBytes(16).toString('base64url');
    const reply = await this.#ctx.redis.bpWebhookClaim(
      ...this.#head(),
      String(Math.round(now)),
      String(limit),
      String(Math.round(leaseMs)),
      token,
    );
    if (reply[0] === 'epoch') return this.#ctx.refusedForEpoch();
    const due: DueDelivery[] = [];
    const fields = reply.slice(1) as string[];
    for (let i = 0; i + CLAIM_FIELDS - 1 < fields.length; i += CLAIM_FIELDS) {
      const [id = '', jobId = '', url = '', ev = '', attempts, windowStart, ...endpoint] =
        fields.slice(i, i + CLAIM_FIELDS);
      this.#held.set(id, token);
      due.push({
        id,
        jobId,
        url,
        payload: webhookBody(ev),
        attempts: Number(attempts),
        windowStart: Number(windowStart),
        ...claimedEndpoint(endpoint),
      });
    }
    return due;
  }

  postpone(id: string, nextAt: number): Promise<void> {
    return guard(this.#finish(id, (token) => [token, String(Math.round(nextAt))], 'postpone'));
  }

  recordAttempt(id: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void> {
    const stored: StoredAttempt = {
      at: attempt.at,
      ...(attempt.statusCode === undefined ? {} : { statusCode: attempt.statusCode }),
      latencyMs: Math.round(attempt.latencyMs),
      ...(attempt.error === undefined ? {} : { error: attempt.error }),
    };
    const nextAt = outcome.state === 'pending' ? String(Math.round(outcome.nextAt)) : '';
    return guard(
      this.#finish(
        id,
        (token) => [token, JSON.stringify(stored), outcome.state, nextAt],
        'attempt',
      ),
    );
  }

  /**
   * Ends this process's lease on `id` with one of the two closing scripts. A delivery this
   * process no longer holds (its lease lapsed and another took it) is left to its new holder.
   */
  async #finish(
    id: string,
    args: (token: string) => string[],
    script: 'postpone' | 'attempt',
  ): Promise<void> {
    const token = this.#held.get(id);
    if (token === undefined) return;
    this.#held.delete(id);
    const call =
      script === 'postpone'
        ? this.#ctx.redis.bpWebhookPostpone(...this.#head(), id, ...args(token))
        : this.#ctx.redis.bpWebhookAttempt(...this.#head(), id, ...args(token));
    const reply = await call;
    if (reply[0] === 'epoch') await this.#ctx.refusedForEpoch();
  }

  nextDueAt(): Promise<number | undefined> {
    return guard(
      this.#ctx.redis
        .zrange(this.#key('wdue'), 0, 0, 'WITHSCORES')
        .then(([, score]) => (score === undefined ? undefined : Number(score))),
    );
  }

  forJob(jobId: string): Promise<Delivery[]> {
    return guard(this.#forJob(jobId));
  }

  async #forJob(jobId: string): Promise<Delivery[]> {
    const reply = await this.#ctx.redis.bpWebhookForJob(this.#ctx.prefix, jobId);
    const deliveries: Delivery[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const h = hashFromList(reply[i] ?? []);
      const attempts = (reply[i + 1] ?? []).map((json) => JSON.parse(json) as StoredAttempt);
      const state = h.state as DeliveryState;
      deliveries.push({
        id: h.id ?? '',
        jobId,
        url: h.url ?? '',
        seq: Number(h.seq),
        kind: (h.kind ?? 'queued') as Delivery['kind'],
        ...(h.ep ? { endpointId: h.ep } : {}),
        state,
        createdAt: new Date(Number(h.at)).toISOString(),
        ...(state === 'pending' ? { nextAttemptAt: new Date(Number(h.next)).toISOString() } : {}),
        attempts: attempts.map((a, index) => ({
          attempt: index + 1,
          at: new Date(a.at).toISOString(),
          ...(a.statusCode === undefined ? {} : { statusCode: a.statusCode }),
          latencyMs: a.latencyMs,
          ...(a.error === undefined ? {} : { error: a.error }),
        })),
      });
    }
    return deliveries;
  }

  redeliver(jobId: string, deliveryId: string, now: number): Promise<RedeliverResult> {
    return guard(this.#redeliver(jobId, deliveryId, now));
  }

  async #redeliver(jobId: string, deliveryId: string, now: number): Promise<RedeliverResult> {
    const [outcome] = await this.#ctx.redis.bpWebhookRedeliver(
      ...this.#head(),
      jobId,
      deliveryId,
      String(Math.round(now)),
    );
    if (outcome === 'epoch') return this.#ctx.refusedForEpoch();
    return outcome as RedeliverResult;
  }

  countByState(): Promise<Record<DeliveryState, number>> {
    return guard(
      this.#ctx.redis.hgetall(this.#key('wdc')).then((stored) => {
        const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<
          DeliveryState,
          number
        >;
        for (const state of DELIVERY_STATES) counts[state] = Number(stored[state] ?? 0);
        return counts;
      }),
    );
  }

  /** Wakes on every process's recorded deliveries (the `P webhooks` channel). */
  onRecorded(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (!this.#subscriber) {
      const subscriber = this.#ctx.redis.duplicate();
      this.#subscriber = subscriber;
      subscriber.on('error', (error: unknown) => {
        this.#ctx.onError(error);
      });
      subscriber.on('message', () => {
        for (const each of this.#listeners) each();
      });
      subscriber.subscribe(this.#key('webhooks')).catch((error: unknown) => {
        this.#ctx.onError(error);
      });
    }
    return () => this.#listeners.delete(listener);
  }

  /** Closes the wake-up connection (the store's close calls this). */
  async close(): Promise<void> {
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (!subscriber) return;
    if (subscriber.status === 'ready') await subscriber.quit();
    else subscriber.disconnect();
  }

  #head(): [string, string] {
    return [this.#ctx.prefix, this.#ctx.epoch()];
  }

  #key(name: string): string {
    return `${this.#ctx.prefix}${name}`;
  }
}

/** Fields per delivery in a claim's reply (webhook-scripts.ts). */
const CLAIM_FIELDS = 10;

/** A claimed delivery's endpoint and its keys, from the claim's last four fields. */
function claimedEndpoint([id = '', secret = '', previous = '', until = '']: string[]): Pick<
  DueDelivery,
  'endpoint'
> {
  if (id === '') return {};
  if (secret === '') return { endpoint: { id } };
  const keys: EndpointKeys = { secret };
  if (previous !== '' && until !== '') {
    keys.previousSecret = previous;
    keys.previousUntil = Number(until);
  }
  return { endpoint: { id, keys } };
}

/**
 * The body POSTed for a stored event: the Standard Webhooks `{ type, timestamp, data }`, built
 * the same way from the same stored event on every attempt, so every attempt sends the same bytes.
 */
function webhookBody(eventJson: string): string {
  const event = eventFromPayload(eventJson);
  return JSON.stringify({ type: `job.${event.kind}`, timestamp: event.at, data: event });
}

/**
 * Webhooks: the server calls the client back. The fifth pattern, and the only one where the
 * client need not stay connected: when a job changes, its webhook URL gets a signed POST.
 *
 * 1. Outbox. The store writes one pending delivery per event a job's webhook asked for, in the
 *    same transaction as the change (src/store/sqlite/webhook-outbox.ts). Nothing here runs
 *    before the change is durable, and a crash after it loses nothing: the row is still there.
 * 2. Claim. This loop takes due deliveries from the engine's queue (src/jobs/webhook-queue.ts),
 *    each leased for longer than an attempt can last, so one process attempts it at a time; a
 *    process that dies holding one leaves it to be taken again when the lease runs out.
 *    Per job and URL, a delivery waits for the earlier ones: receivers get a job's events in
 *    order (each also carries its `seq`).
 * 3. Attempt. Resolve and check the address (webhooks/address-policy.ts: no loopback, private,
 *    link-local or metadata addresses), sign (webhooks/signer.ts, Standard Webhooks), POST to
 *    exactly that address with timeouts and a cap on the answer read (webhooks/safe-post.ts).
 *    A 2xx is delivered. Anything else is retried with exponential backoff and jitter
 *    (src/model/backoff.ts) under the SAME `webhook-id`, so receivers can drop duplicates,
 *    until the retry window closes: then it is dead (`POST …/redeliver` sends it again).
 *    Every attempt is recorded: status code, latency, error.
 *    A delivery to a registered endpoint (`/webhooks`) is signed with that endpoint's own
 *    secrets as the claim found them (both while a rotation overlaps); one whose endpoint
 *    was deleted ends dead without a call. A submit's own webhook signs with the server's.
 * 4. Slow and dead receivers. Each endpoint (origin) gets at most `perEndpointConcurrency`
 *    attempts at once (webhooks/endpoint-slots.ts), and one that keeps failing is paused by a
 *    circuit breaker (webhooks/circuit-breaker.ts): its deliveries wait without taking
 *    attempts, while other endpoints' deliveries go on.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type {
  AttemptOutcome,
  AttemptRecord,
  DueDelivery,
  WebhookQueue,
} from '../jobs/webhook-queue.js';
import { backoffDelay } from '../model/backoff.js';
import { VERSION } from '../config/version.js';
import { resolveTarget } from './webhooks/address-policy.js';
import { CircuitBreaker } from './webhooks/circuit-breaker.js';
import { EndpointSlots, FULL_LINE_WAIT_MS, type HeldDelivery } from './webhooks/endpoint-slots.js';
import { webhookMetrics, type AttemptResult, type WebhookMetrics } from './webhooks/metrics.js';
import type { WebhookOptions } from './webhooks/options.js';
import { safePost } from './webhooks/safe-post.js';
import { endpointSecrets, Signer } from './webhooks/signer.js';
import { WakeLoop } from './webhooks/wake-loop.js';

export interface WebhookDependencies {
  queue: WebhookQueue;
  logger: Logger;
  /** The clock (ms); tests pass a fake one and drive `tick()` themselves. */
  now?: () => number;
  /** For the backoff's jitter. */
  random?: () => number;
}

export class WebhookDelivery {
  readonly options: WebhookOptions;
  readonly #queue: WebhookQueue;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #signer: Signer;
  readonly #breaker: CircuitBreaker;
  readonly #leaseMs: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #slots: EndpointSlots;
  #metrics: WebhookMetrics | undefined;
  readonly #loop: WakeLoop;
  #state: 'idle' | 'running' | 'closing' | 'closed' = 'idle';
  #unsubscribe: (() => void) | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: WebhookOptions, deps: WebhookDependencies) {
    this.options = options;
    this.#queue = deps.queue;
    this.#logger = deps.logger;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#signer = new Signer(options.secrets);
    this.#breaker = new CircuitBreaker(options.breaker);
    // Longer than any attempt can take, so a lease never runs out under a live attempt; one
    // held in its endpoint's line for longer than the margin could not finish inside it.
    const marginMs = 5000;
    this.#leaseMs = options.connectTimeoutMs + options.responseTimeoutMs + marginMs;
    this.#slots = new EndpointSlots(options.perEndpointConcurrency, marginMs);
    this.#loop = new WakeLoop(
      () => this.tick(),
      async () => {
        const next = await this.#queue.nextDueAt();
        return next === undefined ? undefined : next - this.#now();
      },
      options.pollMs,
      deps.logger,
    );
  }

  /** Checks a URL a client gave at submit: `webhook_url_refused` when it may not be called. */
  async checkUrl(url: string): Promise<void> {
    await resolveTarget(url, this.options.allowPrivate);
  }

  registerMetrics(registry: Registry): void {
    this.#metrics = webhookMetrics(registry, {
      counts: () => this.#queue.countByState(),
      paused: () => this.#breaker.pausedCount(this.#now()),
    });
  }

  /** Starts delivering: now (pending deliveries of an earlier run), when deliveries are written, and on a timer. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#unsubscribe = this.#queue.onRecorded(() => {
      this.#loop.wake();
    });
    this.#loop.start();
  }

  /**
   * Claims what is due now and starts an attempt for each; resolves once they are started
   * (`idle()` waits for them to finish). Tests with a fake clock call this directly.
   */
  async tick(): Promise<number> {
    const now = this.#now();
    const free = this.options.maxInFlight - this.#inFlight.size - this.#slots.held;
    if (free <= 0) return 0;
    // A cheap read first: most wake-ups (every job event) find nothing due, and need no write.
    const next = await this.#queue.nextDueAt();
    if (next === undefined || next > now) return 0;
    const due = await this.#queue.claimDue(now, free, this.#leaseMs);
    for (const delivery of due) {
      const endpoint = new URL(delivery.url).origin;
      const pausedUntil = this.#breaker.blockedUntil(endpoint, now);
      if (pausedUntil !== undefined) {
        await this.#queue.postpone(delivery.id, pausedUntil);
        continue;
      }
      // Started, or held (still leased) to start the moment a slot of its endpoint frees.
      const admission = this.#slots.admit(endpoint, delivery, now);
      if (admission === 'start') this.#begin(delivery, endpoint);
      else if (admission === 'full')
        await this.#queue.postpone(delivery.id, now + FULL_LINE_WAIT_MS);
    }
    return due.length;
  }

  /** Resolves when every attempt started so far has finished and been recorded. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /**
   * Stops claiming; attempts in flight get `graceMs` to finish. One cut short is not recorded:
   * its lease runs out and a later run delivers it again under the same webhook-id.
   */
  close(graceMs = 1000): Promise<void> {
    this.#closed ??= (async () => {
      this.#state = 'closing';
      this.#unsubscribe?.();
      await this.#loop.stop();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([this.idle(), deadline]);
      clearTimeout(timer);
      this.#state = 'closed';
    })();
    return this.#closed;
  }

  /** Attempts `delivery` in a slot of its endpoint; the slot goes to the next held one after. */
  #begin(delivery: DueDelivery, endpoint: string): void {
    const attempt = this.#attempt(delivery, endpoint).finally(() => {
      this.#inFlight.delete(attempt);
      this.#slots.release(endpoint, this.#now(), (held) => this.#resume(held, endpoint));
      this.#loop.wake();
    });
    this.#inFlight.add(attempt);
  }

  /** Starts a held delivery, unless its endpoint was paused meanwhile. */
  #resume(held: HeldDelivery, endpoint: string): boolean {
    const pausedUntil = this.#breaker.blockedUntil(endpoint, this.#now());
    if (pausedUntil !== undefined) {
      this.#queue.postpone(held.delivery.id, pausedUntil).catch(() => undefined);
      return false;
    }
    this.#begin(held.delivery, endpoint);
    return true;
  }

  async #attempt(delivery: DueDelivery, endpoint: string): Promise<void> {
    const started = this.#now();
    const keys = delivery.endpoint?.keys;
    if (delivery.endpoint && !keys) {
      this.#metrics?.finished('dead');
      const attempt = { at: started, latencyMs: 0, error: 'the webhook endpoint was deleted' };
      return this.#record(delivery, attempt, { state: 'dead' });
    }
    const signer = keys ? new Signer(endpointSecrets(keys, started)) : this.#signer;
    const startedAt = performance.now();
    let statusCode: number | undefined;
    let error: string | undefined;
    let result: AttemptResult;
    try {
      const target = await resolveTarget(delivery.url, this.options.allowPrivate);
      const headers = {
        'content-type': 'application/json',
        'user-agent': `backend-patterns-webhooks/${VERSION}`,
        ...signer.sign(delivery.id, new Date(started), delivery.payload),
      };
      ({ statusCode } = await safePost(target, delivery.payload, headers, this.options));
      result = statusCode >= 200 && statusCode < 300 ? 'success' : 'http_error';
      if (result === 'http_error') error = `HTTP ${statusCode}`;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
      result =
        (failure as { code?: string }).code === 'webhook_url_refused' ? 'refused' : 'no_response';
    }
    const latencyMs = performance.now() - startedAt;
    const ok = result === 'success';
    const now = this.#now();
    this.#breaker.record(endpoint, ok, now);
    this.#metrics?.attempt(result, latencyMs / 1000);
    const nextAt = now + backoffDelay(this.options.backoff, delivery.attempts + 1, this.#random);
    const outcome = ok
      ? ({ state: 'delivered' } as const)
      : nextAt > delivery.windowStart + this.options.retryWindowMs
        ? ({ state: 'dead' } as const)
        : ({ state: 'pending', nextAt } as const);
    if (outcome.state !== 'pending') this.#metrics?.finished(outcome.state);
    this.#logger.debug(
      { event: 'webhook-attempt', id: delivery.id, url: delivery.url, statusCode, error },
      `webhook ${delivery.id} attempt ${delivery.attempts + 1}: ${outcome.state}`,
    );
    await this.#record(delivery, { at: started, statusCode, latencyMs, error }, outcome);
  }

  async #record(
    delivery: DueDelivery,
    attempt: AttemptRecord,
    outcome: AttemptOutcome,
  ): Promise<void> {
    try {
      await this.#queue.recordAttempt(delivery, attempt, outcome);
    } catch (failure) {
      // The store is closing or failing: the lease runs out and the attempt is made again.
      this.#logger.warn({ err: failure, id: delivery.id }, 'webhook attempt not recorded');
    }
  }
}

/**
 * Long polling: the client asks "how is job X, now that I have seen seq n?" and the server holds
 * the request until something changes, so every answer brings news and none is late.
 *
 *   GET /jobs/:id?after=<seq>&wait=<seconds>
 *   GET /check-status?jobId=<id>&after=<seq>&wait=<seconds>     (the overview's surface)
 *
 * - The job's seq is greater than `after` (or `after` is absent): answered at once.
 * - Otherwise the request is held until the job's next event, or until `wait` seconds (at most
 *   --long-poll-max-wait) pass; either way the answer is the current snapshot. A timeout is a
 *   `200` whose `seq` still equals `after` — or, if the request also sent
 *   `If-None-Match: "<after>"`, a bodiless `304`, the same rule as short polling.
 * - A finished job, or an `after` the job never reached (its log was lost), is answered at once:
 *   holding would only delay news that cannot come.
 * - The `Long-Poll-Outcome` header says which case it was: `immediate`, `changed`, `timeout` or
 *   `closing` (the server is shutting down).
 *
 * Event-driven: a held request is one bus subscription and one timer, no loop. It subscribes
 * before it reads the job, so a change committed between the two wakes it instead of being
 * missed. A client that goes away releases its waiter at once; at shutdown every held request
 * is answered with the current snapshot. Nothing is kept between requests: the cursor is the
 * request's `after`, so any server can answer the next poll.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import Type from 'typebox';
import { ANONYMOUS, canSee, type Caller } from '../auth/caller.js';
import { AppError } from '../model/errors/app-error.js';
import { transportMetrics, type TransportMetrics } from '../edge/transport-metrics.js';
import { isTerminal, type Job } from '../model/job.js';
import { type Store } from '../store/store.js';
import { jobTopic } from '../model/topic.js';
import type { Guards } from '../edge/guards.js';
import type { App } from '../edge/app-type.js';
import { sendSnapshot } from './snapshot-reply.js';

/** Query parameters long polling adds to the short-polling routes. */
export const LongPollQuery = {
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'The seq the client already has; with `wait`, hold until the job passes it.',
    }),
  ),
  wait: Type.Optional(
    Type.Number({
      minimum: 0,
      description:
        'Seconds to hold the request while the job is still at `after` (capped by --long-poll-max-wait, default 60).',
    }),
  ),
};

export interface LongPollingOptions {
  /** Longest a request is held, in milliseconds. */
  maxWait: number;
  /** A held request takes a connection slot of its address and key. */
  guards?: Guards;
}

/** Why a wait ended. */
export type WaitOutcome = 'immediate' | 'changed' | 'timeout' | 'closing' | 'aborted';

export interface WaitRequest {
  jobId: string;
  /** Someone else's job waits like a missing one: job_not_found. */
  caller?: Caller;
  /** The client's address, for the connection caps. */
  ip?: string;
  after: number;
  waitMs: number;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

const TRANSPORT = 'long-polling';

export class LongPolling {
  readonly #store: Store;
  readonly #options: LongPollingOptions;
  readonly #metrics: TransportMetrics;
  /** Release functions of the held requests, for shutdown. */
  readonly #held = new Set<(outcome: WaitOutcome) => void>();
  #closing = false;
  /** The query parameters it reads, for the routes that delegate to it. */
  readonly query = LongPollQuery;

  constructor(store: Store, options: LongPollingOptions, registry: Registry) {
    this.#store = store;
    this.#options = options;
    this.#metrics = transportMetrics(registry);
  }

  /** Number of requests held now. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Resolves with the job once it has passed `after`, the wait ran out or the server is closing;
   * with no job when the client went away. Rejects `job_not_found`.
   */
  async wait(request: WaitRequest): Promise<{ outcome: WaitOutcome; job?: Job }> {
    const { jobId, after, signal } = request;
    const caller = request.caller ?? ANONYMOUS;
    let wake: ((outcome: WaitOutcome) => void) | undefined;
    /** The newest seq the listener has heard of. */
    let heard = after;
    // Subscribe first, then read: an event committed after this line either shows in the read
    // below or reaches this listener — there is no moment in between where it could be lost.
    const unsubscribeLive = this.#store.subscribe(jobTopic(jobId), (event) => {
      if (event.seq <= after) return;
      heard = Math.max(heard, event.seq);
      wake?.('changed');
    });
    // The store lost its data (Redis mode): answer now; the read below says why.
    const unsubscribeFaults = this.#store.subscribeFaults?.(() => wake?.('changed'));
    const unsubscribe = () => {
      unsubscribeLive();
      unsubscribeFaults?.();
    };
    let outcome: WaitOutcome;
    try {
      let job = await this.#read(jobId, caller);
      // An event arrived while the read ran, and the read may predate it: read what it wrote.
      if (heard > job.seq) job = await this.#read(jobId, caller);
      const waitMs = Math.min(request.waitMs, this.#options.maxWait);
      if (job.seq !== after || isTerminal(job.status) || waitMs <= 0) {
        return { outcome: 'immediate', job };
      }
      if (this.#closing) return { outcome: 'closing', job };
      if (signal.aborted) return { outcome: 'aborted' };
      const releaseSlot = this.#options.guards?.holdConnection(request.ip ?? '', caller.owner);
      outcome = await new Promise<WaitOutcome>((resolve) => {
        let held = true;
        const release = (why: WaitOutcome) => {
          if (!held) return;
          held = false;
          releaseSlot?.();
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.#held.delete(release);
          this.#metrics.open.dec({ transport: TRANSPORT });
          resolve(why);
        };
        const onAbort = () => {
          release('aborted');
        };
        const timer = setTimeout(release, waitMs, 'timeout');
        signal.addEventListener('abort', onAbort, { once: true });
        this.#held.add(release);
        this.#metrics.open.inc({ transport: TRANSPORT });
        wake = release;
      });
    } finally {
      unsubscribe();
    }
    if (outcome === 'aborted') return { outcome };
    return { outcome, job: await this.#read(jobId, caller) };
  }

  /** Answers a poll that carries `wait`: held as described at the top of this file. */
  async answer(
    request: FastifyRequest,
    reply: FastifyReply,
    jobId: string,
    query: { after?: number; wait?: number },
  ): Promise<FastifyReply> {
    const { outcome, job } = await this.wait({
      jobId,
      // Without a cursor any state is news: answer at once.
      after: query.after ?? -1,
      waitMs: (query.wait ?? 0) * 1000,
      signal: request.signal,
      caller: request.caller,
      ip: request.ip,
    });
    // The client is gone: there is nobody to answer, so tell Fastify not to try.
    if (!job) return reply.hijack();
    void reply.header('long-poll-outcome', outcome);
    // The connection is about to close with the server; say so instead of offering keep-alive.
    if (outcome === 'closing') void reply.header('connection', 'close');
    reply.raw.once('finish', () => {
      const length = Number(reply.getHeader('content-length') ?? 0);
      this.#metrics.bytesSent.inc({ transport: TRANSPORT }, length);
    });
    // pollInterval 0: no Retry-After, the next long poll may (and should) follow at once.
    return sendSnapshot(request, reply, job, { pollInterval: 0 });
  }

  /** Answers every held request now and holds no new ones (shutdown). */
  releaseAll(): void {
    this.#closing = true;
    for (const release of [...this.#held]) release('closing');
  }

  async #read(jobId: string, caller: Caller): Promise<Job> {
    const job = await this.#store.get(jobId);
    if (!job || !canSee(caller, job)) throw new AppError('job_not_found', `no job has id ${jobId}`);
    return job;
  }
}

/** Creates the long-polling answerer for the short-polling routes; it lets go at shutdown. */
export function longPolling(
  app: App,
  store: Store,
  options: LongPollingOptions,
  registry: Registry,
): LongPolling {
  const poller = new LongPolling(store, options, registry);
  // Fastify's close waits for in-flight requests, so held ones must be answered first.
  app.addHook('preClose', (done) => {
    poller.releaseAll();
    done();
  });
  return poller;
}

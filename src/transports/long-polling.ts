/**
 * Long polling: the client asks "how is job X, now that I have seen seq n?" and the server holds
 * the request until something changes, so every answer brings news and none is late.
 *
 *   GET /jobs/:id?after=<seq>&wait=<seconds>
 *   GET /check-status?jobId=<id>&after=<seq>&wait=<seconds>     (routes: src/http/routes/polling.ts)
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
 * Event-driven: a held request is one watch on the job and one timer, no loop. The watch
 * subscribes before it reads the job, so a change committed between the two wakes the request
 * instead of being missed. A client that goes away releases its waiter at once; at shutdown
 * every held request is answered with the current snapshot. Nothing is kept between requests:
 * the cursor is the request's `after`, so any server can answer the next poll.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import type { Guards } from '../edge/guards.js';
import type { TransportMetrics } from '../edge/transport-metrics.js';
import type { JobEngine } from '../jobs/engine.js';
import type { JobWatch } from '../jobs/job-watch.js';
import { Lifecycle, type Closeable, type LifecycleState } from '../lifecycle/lifecycle.js';
import { isTerminal, type Job } from '../model/job.js';
import { sendSnapshot } from './short-polling.js';

export interface LongPollingOptions {
  /** Longest a request is held, in milliseconds. */
  maxWait: number;
  /** A held request takes a connection slot of its address and key. */
  guards?: Guards;
  metrics: TransportMetrics;
  logger: Logger;
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

export class LongPolling implements Closeable {
  readonly #engine: JobEngine;
  readonly #options: LongPollingOptions;
  /** Release functions of the held requests, for shutdown. */
  readonly #held = new Set<(outcome: WaitOutcome) => void>();
  readonly #lifecycle: Lifecycle;
  readonly #bytesSent: (bytes: number) => void;

  constructor(engine: JobEngine, options: LongPollingOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#bytesSent = options.metrics.bytesSent(TRANSPORT);
    this.#lifecycle = new Lifecycle((stage, error) => {
      options.logger.error({ err: error, stage }, 'closing long polling');
    });
  }

  /** Number of requests held now. */
  get held(): number {
    return this.#held.size;
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  /**
   * Resolves with the job once it has passed `after`, the wait ran out or the server is closing;
   * with no job when the client went away. Rejects `job_not_found`.
   */
  async wait(request: WaitRequest): Promise<{ outcome: WaitOutcome; job?: Job }> {
    const { jobId, after, signal } = request;
    const caller = request.caller ?? ANONYMOUS;
    // Subscribe first, then read: the watch registers for the job's events before it reads
    // the job, so a change committed after this line is in `watch.job` or wakes the wait.
    const watch = await this.#engine.watch(jobId, { after, caller });
    let outcome: WaitOutcome;
    try {
      const { job } = watch;
      const waitMs = Math.min(request.waitMs, this.#options.maxWait);
      if (!watch.upToDate || isTerminal(job.status) || waitMs <= 0) {
        return { outcome: 'immediate', job };
      }
      if (!this.#lifecycle.running) return { outcome: 'closing', job };
      if (signal.aborted) return { outcome: 'aborted' };
      const releaseSlot = await this.#options.guards?.holdConnection(
        request.ip ?? '',
        caller.owner,
      );
      outcome = await this.#hold(watch, waitMs, request, releaseSlot);
    } finally {
      watch.close();
    }
    if (outcome === 'aborted') return { outcome };
    return { outcome, job: await this.#engine.get(jobId, caller) };
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
      this.#bytesSent(length);
    });
    // pollInterval 0: no Retry-After, the next long poll may (and should) follow at once.
    return sendSnapshot(request, reply, job, { pollInterval: 0 });
  }

  /** Answers every held request now with `closing`, and holds no new ones (shutdown). */
  close(): Promise<void> {
    return this.#lifecycle.close(() => [
      {
        name: 'held requests',
        run: () => {
          for (const release of [...this.#held]) release('closing');
        },
      },
    ]);
  }

  /** Holds the request until the job changes, the wait runs out, the client leaves or shutdown. */
  #hold(
    watch: JobWatch,
    waitMs: number,
    request: WaitRequest,
    releaseSlot: (() => void) | undefined,
  ) {
    const { signal } = request;
    const { metrics } = this.#options;
    return new Promise<WaitOutcome>((resolve) => {
      let held = true;
      const release = (why: WaitOutcome) => {
        if (!held) return;
        held = false;
        releaseSlot?.();
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#held.delete(release);
        metrics.open.dec({ transport: TRANSPORT });
        resolve(why);
      };
      const onAbort = () => {
        release('aborted');
      };
      const timer = setTimeout(release, waitMs, 'timeout');
      signal.addEventListener('abort', onAbort, { once: true });
      this.#held.add(release);
      metrics.open.inc({ transport: TRANSPORT });
      void watch.changed().then(() => {
        release('changed');
      });
      // Taking the slot may have taken a round trip to Redis: the client may be gone already,
      // or shutdown begun (which answered the requests held then, not this one).
      if (signal.aborted) release('aborted');
      else if (!this.#lifecycle.running) release('closing');
    });
  }
}

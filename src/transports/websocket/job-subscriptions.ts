/**
 * Job topics on a WebSocket, adapters over the job feed (subscribe first, then read):
 * - `job:<id>`: without `after`, a snapshot and then live events; with `after`, the events after
 *   that seq from the log and then live, with no gap and no duplicate; a `reset` with the
 *   snapshot when that history is gone (or `after` is ahead of the job). The subscription ends
 *   itself after the job's terminal event: nothing can follow it.
 * - `jobs`: every job's events, live only (there is no global log to replay).
 * Progress events are conflated per job when the client falls behind (see outbox.ts).
 */
import { AppError } from '../../model/errors/app-error.js';
import { isTerminal, type Job, type JobEvent } from '../../model/job.js';
import { canSee } from '../../auth/caller.js';
import { visibleEvents } from '../../jobs/visibility.js';
import { openJobFeed, type FeedItem, type JobFeed } from '../../jobs/job-feed.js';
import type { Subscription, SubscriptionContext } from './subscription.js';

function pushEvent(ctx: SubscriptionContext, topic: string, key: string, event: JobEvent): void {
  const render = (conflated: number) =>
    JSON.stringify({
      type: 'event',
      topic,
      seq: event.seq,
      data: event,
      ...(conflated > 0 ? { conflated } : {}),
    });
  if (event.kind === 'progress') ctx.outbox.pushProgress(key, render);
  else ctx.outbox.push(render(0), key);
}

export class JobSubscription implements Subscription {
  readonly kind = 'job';
  readonly #ctx: SubscriptionContext;
  readonly #topic: `job:${string}`;
  readonly #jobId: string;
  #feed: JobFeed | undefined;
  #closed = false;

  constructor(ctx: SubscriptionContext, topic: `job:${string}`, jobId: string) {
    this.#ctx = ctx;
    this.#topic = topic;
    this.#jobId = jobId;
  }

  /**
   * Calls `acknowledge` once the job is known to exist, then delivers the snapshot or history.
   * Rejects with `job_not_found` when there is no such job.
   */
  async open(after: number | undefined, acknowledge: () => void): Promise<void> {
    const job = await this.#ctx.store.get(this.#jobId);
    if (this.#isClosed()) return;
    // Another key's job is answered exactly like a missing one.
    if (!job || !canSee(this.#ctx.caller, job)) throw notFound(this.#jobId);
    acknowledge();
    let from = after ?? job.seq;
    if (after === undefined || after > job.seq) {
      // No position given, or one this job never reached (another server's seq): start over.
      this.#sendJob(after === undefined ? 'snapshot' : 'reset', job);
      if (this.#isClosed()) return;
      from = job.seq;
    }
    if (isTerminal(job.status) && from >= job.seq) {
      this.#end(); // the client has the final event already; nothing can follow it
      return;
    }
    const feed = await openJobFeed(this.#ctx.store, this.#jobId, {
      after: from,
      onItem: (item) => {
        this.#onItem(item);
      },
      onError: (error) => {
        this.#closed = true;
        this.#ctx.failed(this.#topic, this, error);
      },
    });
    if (!feed) {
      if (!this.#isClosed()) throw notFound(this.#jobId);
      return;
    }
    if (this.#isClosed()) {
      feed.close();
      return;
    }
    this.#feed = feed;
  }

  close(): void {
    this.#closed = true;
    this.#feed?.close();
  }

  /** A method, not the field, after an await: the flag may have changed meanwhile. */
  #isClosed(): boolean {
    return this.#closed;
  }

  #onItem(item: FeedItem): void {
    if (this.#closed) return;
    if (item.type === 'reset') this.#sendJob('reset', item.job);
    else {
      pushEvent(this.#ctx, this.#topic, this.#topic, item.event);
      if (isTerminal(item.event.status)) this.#end();
    }
  }

  #sendJob(type: 'snapshot' | 'reset', job: Job): void {
    this.#ctx.send({ type, topic: this.#topic, seq: job.seq, job }, this.#topic);
    if (isTerminal(job.status)) this.#end();
  }

  #end(): void {
    if (this.#closed) return;
    this.close();
    this.#ctx.ended(this.#topic, this);
  }
}

export class JobsSubscription implements Subscription {
  readonly kind = 'jobs';
  readonly #unsubscribe: () => void;

  constructor(ctx: SubscriptionContext) {
    this.#unsubscribe = ctx.store.subscribe(
      'jobs',
      visibleEvents(ctx.store, ctx.caller, (event) => {
        pushEvent(ctx, 'jobs', `jobs/${event.jobId}`, event);
      }),
    );
  }

  close(): void {
    this.#unsubscribe();
  }
}

function notFound(jobId: string): AppError {
  return new AppError('job_not_found', `no job has id ${jobId}`);
}

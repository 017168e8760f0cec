/**
 * Job topics on a WebSocket, adapters over the engine's watch (src/jobs/job-watch.ts), which
 * owns the rules — visibility, subscribe first then read, the cursor, gap filling:
 * - `job:<id>`: without `after`, a snapshot and then live events; with `after`, the events after
 *   that seq from the log and then live, with no gap and no duplicate; a `reset` with the
 *   snapshot when that history is gone (or `after` is ahead of the job). The subscription ends
 *   itself after the job's terminal event: nothing can follow it.
 * - `jobs`: every job's events the caller may see, live only (there is no global log to replay).
 * Progress events are conflated per job when the client falls behind (see outbox.ts).
 */
import type { JobEvent } from '../../model/job.js';
import type { JobWatch, WatchConsumer, WatchItem } from '../../jobs/job-watch.js';
import type { Frame } from './outbox.js';
import type { Subscription, SubscriptionContext } from './subscription.js';

/**
 * Every subscriber of a job hears the same event object from the bus, and its frame is the
 * same for all of them unless progress was conflated for one: encode it to bytes once per
 * event (for `job:<id>` and for `jobs`), not once per subscriber.
 */
const encoded = new WeakMap<JobEvent, { job?: Buffer; jobs?: Buffer }>();

function frameOf(topic: string, event: JobEvent, conflated: number): Frame {
  if (conflated > 0) return render(topic, event, conflated);
  const slot = topic === 'jobs' ? 'jobs' : 'job';
  let frames = encoded.get(event);
  if (frames === undefined) {
    frames = {};
    encoded.set(event, frames);
  }
  return (frames[slot] ??= Buffer.from(render(topic, event, 0)));
}

/** The `event` frame; `conflated` is sent only when it is not 0. */
function render(topic: string, event: JobEvent, conflated: number): string {
  return JSON.stringify(
    conflated > 0
      ? { type: 'event', topic, seq: event.seq, data: event, conflated }
      : { type: 'event', topic, seq: event.seq, data: event },
  );
}

function pushEvent(
  ctx: SubscriptionContext,
  topic: string,
  key: string,
  event: JobEvent,
  skipped = 0,
): void {
  // `skipped`: progress the server already superseded before this event reached the socket.
  const render = (conflated: number) => frameOf(topic, event, conflated + skipped);
  if (event.kind === 'progress') ctx.outbox.pushProgress(key, render);
  else ctx.outbox.push(render(0), key);
}

export class JobSubscription implements Subscription, WatchConsumer {
  readonly kind = 'job';
  readonly #ctx: SubscriptionContext;
  readonly #topic: `job:${string}`;
  readonly #jobId: string;
  #watch: JobWatch | undefined;
  #closed = false;

  constructor(ctx: SubscriptionContext, topic: `job:${string}`, jobId: string) {
    this.#ctx = ctx;
    this.#topic = topic;
    this.#jobId = jobId;
  }

  /**
   * Calls `acknowledge` once the job is known to exist, then delivers the snapshot or history.
   * Rejects with `job_not_found` when there is no such job (or it is another key's).
   */
  async open(after: number | undefined, acknowledge: () => void): Promise<void> {
    const { engine, caller } = this.#ctx;
    const watch = await engine.watch(this.#jobId, { after, caller });
    if (this.#isClosed()) {
      watch.close();
      return;
    }
    this.#watch = watch;
    acknowledge();
    await watch.start(this);
  }

  close(): void {
    this.#closed = true;
    this.#watch?.close();
  }

  /** A method, not the field, after an await: the flag may have changed meanwhile. */
  #isClosed(): boolean {
    return this.#closed;
  }

  /**
   * The subscription is its watch's consumer: the watch calls these three, and only it. One
   * object per subscription instead of a consumer literal with three closures, and one call
   * less per delivered event.
   */
  onItem(item: WatchItem): void {
    if (this.#closed) return;
    if (item.type === 'event') {
      pushEvent(this.#ctx, this.#topic, this.#topic, item.event, item.conflated);
    } else {
      const { job } = item;
      this.#ctx.send({ type: item.type, topic: this.#topic, seq: job.seq, job }, this.#topic);
    }
  }

  /** The client has the job's final state: nothing can follow it. */
  onEnd(): void {
    if (this.#closed) return;
    this.close();
    this.#ctx.ended(this.#topic, this);
  }

  /** A store read failed after the subscription was acknowledged. */
  onError(error: unknown): void {
    this.#closed = true;
    this.#ctx.failed(this.#topic, this, error);
  }
}

export class JobsSubscription implements Subscription {
  readonly kind = 'jobs';
  readonly #unsubscribe: () => void;

  constructor(ctx: SubscriptionContext) {
    this.#unsubscribe = ctx.engine.watchJobs(ctx.caller, (event) => {
      pushEvent(ctx, 'jobs', `jobs/${event.jobId}`, event);
    });
  }

  close(): void {
    this.#unsubscribe();
  }
}

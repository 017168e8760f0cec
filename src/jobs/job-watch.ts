/**
 * The one core every transport adapts: "job X, which I last saw at seq n: what happened since,
 * then live". Each rule below is written here and nowhere else:
 *
 * - Visibility: another caller's job opens exactly like a missing one (`job_not_found`).
 * - Subscribe first, then read: the watch registers on the bus before it reads the job or its
 *   log, so an event committed in between is either in what it reads or heard afterwards.
 * - The cursor: none → the job's `snapshot`, then live; ahead of the job (its log lost events
 *   the client saw, or the seq came from elsewhere) → a `reset` with the snapshot; otherwise
 *   the events after it, from the log.
 * - Replay paced by the consumer: before each stored event it asks `ready()`, so a consumer
 *   whose socket is full holds the replay. A client that reads gets every event however long
 *   the history, and the server holds at most one page of it.
 * - Live, in order, each once: a live event the replay already covered is dropped; one that
 *   skips ahead (a bus that lost a message) sends the watch back to the log to fill the gap.
 * - History gone (pruned) → a `reset` with the snapshot instead of a silent gap.
 * - Terminal → end: after the terminal event (or a terminal snapshot) nothing can follow; the
 *   watch lets go of the bus and says so.
 * - Store fault → error: a store that can no longer vouch for its jobs (Redis restarted empty)
 *   ends every watch with `onError` and wakes every waiting `changed()`, whose next read then
 *   says why, instead of leaving clients waiting in silence.
 *
 * Live events are not buffered while the watch reads the log: it remembers the newest seq the
 * bus announced and reads again until it has caught up. The bus publishes an event only once it
 * is durable, so whatever was heard is in the log.
 */
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import { isTerminal, type Job, type JobEvent } from '../model/job.js';
import { jobTopic } from '../model/topic.js';
import type { Store } from '../store/store.js';
import { notFound, visibleJob } from './visibility.js';

export type WatchItem =
  /** No cursor was given: the job as it is now. Live events follow. */
  | { type: 'snapshot'; job: Job; final: boolean }
  /** The cursor is ahead of the job, or the events after it are gone: the job as it is now. */
  | { type: 'reset'; job: Job; final: boolean }
  /** `conflated`: live progress events this one superseded, skipped by its seq (under load). */
  | { type: 'event'; event: JobEvent; final: boolean; conflated?: number };

export interface WatchOptions {
  /** The seq the client already has (0: none of the log); undefined: start from a snapshot. */
  after?: number;
  /** Whose watch it is: another caller's job is `job_not_found`. */
  caller?: Caller;
  /** Events read from the log at once. */
  pageSize?: number;
}

export interface WatchConsumer {
  /** Items in seq order, each once. `final` marks the last one: nothing follows it. */
  onItem(item: WatchItem): void;
  /**
   * Asked before each event replayed from the log: a promise holds the replay until it settles
   * (the consumer's socket is full). Live events are never held; they come as they happen.
   */
  ready?(): Promise<void> | undefined;
  /** Nothing more can come: the final item was delivered, or the client already had it. */
  onEnd?(): void;
  /** A store read failed, the store lost its data, or the job vanished; the watch is closed. */
  onError?(error: unknown): void;
}

const PAGE_SIZE = 100;

export class JobWatch {
  readonly #store: Store;
  readonly #jobId: string;
  readonly #after: number | undefined;
  readonly #pageSize: number;
  readonly #unsubscribe: () => void;
  readonly #unsubscribeFaults: (() => void) | undefined;
  #job: Job | undefined;
  #state: 'opened' | 'reading' | 'live' | 'ended' | 'closed' = 'opened';
  #consumer: WatchConsumer | undefined;
  /** The newest seq the bus announced. */
  #heard = 0;
  #lastSeq = 0;
  #onChange: (() => void)[] = [];

  /**
   * Subscribes to `jobId`, then reads it. Rejects `job_not_found` (with nothing left
   * subscribed) when there is no such job or the caller may not see it.
   */
  static async open(store: Store, jobId: string, options: WatchOptions = {}): Promise<JobWatch> {
    const watch = new JobWatch(store, jobId, options);
    const caller = options.caller ?? ANONYMOUS;
    try {
      let job = await visibleJob(store, jobId, caller);
      // An event arrived while the read ran, and the read may predate it: read what it wrote.
      if (watch.#heard > job.seq) job = await visibleJob(store, jobId, caller);
      watch.#job = job;
    } catch (error) {
      watch.close();
      throw error;
    }
    return watch;
  }

  private constructor(store: Store, jobId: string, options: WatchOptions) {
    this.#store = store;
    this.#jobId = jobId;
    this.#after = options.after;
    this.#pageSize = options.pageSize ?? PAGE_SIZE;
    this.#unsubscribe = store.subscribe(jobTopic(jobId), (event, conflated) => {
      this.#onLive(event, conflated ?? 0);
    });
    this.#unsubscribeFaults = store.subscribeFaults?.((error) => {
      this.#onFault(error);
    });
  }

  /** The job as read when the watch opened (after subscribing). */
  get job(): Job {
    if (!this.#job) throw new Error('the watch is not open');
    return this.#job;
  }

  /** The client already has the job as it is: its cursor is the job's seq. */
  get upToDate(): boolean {
    return this.#after === this.job.seq;
  }

  /** The client already has the job's terminal event: nothing will ever follow. */
  get finished(): boolean {
    return this.upToDate && isTerminal(this.job.status);
  }

  /** The seq of the last event (or snapshot) delivered. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** True once the final item was delivered (or the client had it). */
  get ended(): boolean {
    return this.#state === 'ended';
  }

  /**
   * Resolves once the bus has announced an event newer than `job` (at once if it already has):
   * the long poll's wait, without reading anything.
   */
  changed(): Promise<void> {
    if (this.#heard > this.job.seq) return Promise.resolve();
    return new Promise((resolve) => this.#onChange.push(resolve));
  }

  /**
   * Delivers the snapshot, reset or stored history to `consumer`, then live events. Resolves
   * once it has caught up with the log (or ended); failures go to `consumer.onError`.
   */
  async start(consumer: WatchConsumer): Promise<void> {
    if (this.#state === 'closed') return;
    if (this.#state !== 'opened') throw new Error('a watch starts once');
    const job = this.job;
    const after = this.#after;
    this.#consumer = consumer;
    this.#state = 'reading';
    if (after === undefined || after > job.seq) {
      // No position, or one this job never reached: start from the job as it is.
      const type = after === undefined ? 'snapshot' : 'reset';
      this.#deliver({ type, job, final: isTerminal(job.status) });
    } else {
      this.#lastSeq = after;
      if (this.finished) this.#end();
    }
    await this.#catchUp();
  }

  /** Stops delivery and releases the subscription. Idempotent. */
  close(): void {
    if (this.#state === 'ended' || this.#state === 'closed') return;
    this.#state = 'closed';
    this.#release();
  }

  /** Reads the log after lastSeq, paced by the consumer, until it has caught up; then live. */
  async #catchUp(): Promise<void> {
    try {
      while (this.#reading()) {
        const page = await this.#store.events(this.#jobId, this.#lastSeq, this.#pageSize);
        if (!this.#reading()) return;
        if (!page) throw notFound(this.#jobId);
        if (page.firstSeq > this.#lastSeq + 1) {
          const job = await this.#store.get(this.#jobId);
          if (!this.#reading()) return;
          if (!job) throw notFound(this.#jobId);
          this.#deliver({ type: 'reset', job, final: isTerminal(job.status) });
          continue;
        }
        for (const event of page.events) {
          const wait = this.#consumer?.ready?.();
          if (wait) await wait;
          if (!this.#reading()) return;
          this.#deliver({ type: 'event', event, final: isTerminal(event.status) });
          if (!this.#reading()) return;
        }
        // Decided with no await in between: an event heard from here on is handled live.
        if (page.events.length < this.#pageSize && this.#heard <= this.#lastSeq) {
          this.#state = 'live';
        }
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  #onLive(event: JobEvent, conflated: number): void {
    if (event.seq > this.#heard) this.#heard = event.seq;
    // Only a long poll waits here; a pushing transport's watch has no one waiting, and
    // `splice(0)` would make an array per event per subscriber to say so.
    if (this.#onChange.length > 0 && this.#job && event.seq > this.#job.seq) {
      for (const resolve of this.#onChange.splice(0)) resolve();
    }
    if (this.#state !== 'live' || event.seq <= this.#lastSeq) return;
    if (event.seq === this.#lastSeq + 1) {
      this.#deliver({ type: 'event', event, final: isTerminal(event.status) });
      return;
    }
    if (event.kind === 'progress' && event.seq - conflated <= this.#lastSeq + 1) {
      // The bus skipped superseded progress only: the latest wins, no gap to fill.
      const skipped = event.seq - this.#lastSeq - 1;
      this.#deliver({ type: 'event', event, final: false, conflated: skipped });
      return;
    }
    // A gap: the bus lost events. Fill it from the log, in order, before going on.
    this.#state = 'reading';
    void this.#catchUp();
  }

  #onFault(error: unknown): void {
    for (const resolve of this.#onChange.splice(0)) resolve();
    this.#fail(error);
  }

  #deliver(item: WatchItem): void {
    this.#lastSeq = item.type === 'event' ? item.event.seq : item.job.seq;
    this.#consumer?.onItem(item);
    if (item.final) this.#end();
  }

  /** A method, not the field, after an await: the state may have changed meanwhile. */
  #reading(): boolean {
    return this.#state === 'reading';
  }

  #end(): void {
    if (this.#state === 'ended' || this.#state === 'closed') return;
    this.#state = 'ended';
    this.#release();
    this.#consumer?.onEnd?.();
  }

  #fail(error: unknown): void {
    if (this.#state === 'ended' || this.#state === 'closed') return;
    this.close();
    this.#consumer?.onError?.(error);
  }

  #release(): void {
    this.#unsubscribe();
    this.#unsubscribeFaults?.();
    this.#onChange.length = 0;
  }
}

/**
 * The one core every waiting transport adapts: "give me job X's events after seq n, then live".
 *
 * Subscribe first, then read. The feed registers on the bus before it reads the stored log, so
 * an event committed in between is either in what it reads or in what it buffered — never lost.
 * Events are delivered strictly in seq order, each once: a live event the replay already
 * covered is dropped, and a live event that skips ahead (a bus that lost a message) is preceded
 * by the missing ones, read from the log. When the history asked for has been pruned, the feed
 * says so with a `reset` carrying the current snapshot instead of leaving a silent gap; when the
 * store lost its data altogether (Redis restarted empty), the feed ends with `onError`.
 */
import { isTerminal, type Job, type JobEvent } from '../model/job.js';
import { type Store } from '../store/store.js';
import { jobTopic } from '../model/topic.js';

export type FeedItem =
  | { type: 'event'; event: JobEvent }
  /** The events after the requested seq are gone: here is the job as it is now. */
  | { type: 'reset'; job: Job };

export interface JobFeed {
  /** The seq of the last event (or reset snapshot) delivered. */
  readonly lastSeq: number;
  /** True once the job's terminal event (or a terminal reset) was delivered. */
  readonly ended: boolean;
  /** Stops delivery and releases the subscription. Idempotent. */
  close(): void;
}

export interface JobFeedOptions {
  /** Deliver events with seq greater than this (0 = the whole log). */
  after: number;
  /** Receives items in order. Called synchronously from the bus or after a store read. */
  onItem(item: FeedItem): void;
  /** A store read failed while filling a gap, or the store lost its data; the feed is closed. */
  onError?(error: unknown): void;
  /** Largest number of events read from the store at once. */
  pageSize?: number;
}

/**
 * Opens a feed on `jobId`, or resolves undefined (with nothing left subscribed) when the job does
 * not exist. The stored history is delivered before this resolves; live events follow.
 */
export async function openJobFeed(
  store: Store,
  jobId: string,
  options: JobFeedOptions,
): Promise<JobFeed | undefined> {
  const pageSize = options.pageSize ?? 500;
  let lastSeq = options.after;
  let ended = false;
  let closed = false;
  /** Live events that arrived while a store read was in progress, in arrival order. */
  let pending: JobEvent[] | undefined = [];
  let catchingUp: Promise<void> = Promise.resolve();
  /** The job vanished (never existed, or was pruned while the feed opened). */
  let missing: boolean;

  const deliver = (item: FeedItem) => {
    if (closed) return;
    if (item.type === 'event') {
      lastSeq = item.event.seq;
      ended = isTerminal(item.event.status);
    } else {
      lastSeq = item.job.seq;
      ended = isTerminal(item.job.status);
    }
    options.onItem(item);
  };

  /** Reads and delivers stored events after lastSeq up to `upTo` (inclusive), or all. */
  const readFromStore = async (upTo = Number.POSITIVE_INFINITY): Promise<'ok' | 'missing'> => {
    while (!closed && lastSeq < upTo) {
      const page = await store.events(jobId, lastSeq, pageSize);
      if (!page) return 'missing';
      if (page.firstSeq > lastSeq + 1) {
        const job = await store.get(jobId);
        if (!job) return 'missing';
        deliver({ type: 'reset', job });
        return 'ok';
      }
      for (const event of page.events) if (event.seq <= upTo) deliver({ type: 'event', event });
      if (page.events.length < pageSize) return 'ok';
    }
    return 'ok';
  };

  const onLive = (event: JobEvent) => {
    if (closed) return;
    if (pending) {
      pending.push(event);
      return;
    }
    if (event.seq <= lastSeq) return;
    if (event.seq === lastSeq + 1) {
      deliver({ type: 'event', event });
      return;
    }
    // A gap: buffer live events and fill it from the log, in order.
    pending = [event];
    fillGap(event.seq - 1);
  };

  /** Fills from the store up to `upTo`, then flushes the live events buffered meanwhile. */
  const drain = async (upTo?: number): Promise<void> => {
    if ((await readFromStore(upTo)) === 'missing') {
      missing = true;
      feed.close();
      return;
    }
    const buffered = pending ?? [];
    pending = undefined;
    for (const event of buffered.sort((a, b) => a.seq - b.seq)) onLive(event);
  };

  const fillGap = (upTo: number) => {
    catchingUp = catchingUp.then(() =>
      drain(upTo).catch((error: unknown) => {
        feed.close();
        options.onError?.(error);
      }),
    );
  };

  const unsubscribeLive = store.subscribe(jobTopic(jobId), onLive);
  const unsubscribeFaults = store.subscribeFaults?.((error) => {
    if (closed) return;
    feed.close();
    options.onError?.(error);
  });
  const unsubscribe = () => {
    unsubscribeLive();
    unsubscribeFaults?.();
  };
  const feed: JobFeed = {
    get lastSeq() {
      return lastSeq;
    },
    get ended() {
      return ended;
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
    },
  };

  try {
    missing = (await store.get(jobId)) === undefined;
    if (!missing) await drain();
  } catch (error) {
    feed.close();
    throw error;
  }
  if (missing) {
    feed.close();
    return undefined;
  }
  return feed;
}

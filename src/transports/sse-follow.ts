/**
 * Follows one job on an event stream: first the stored history after the client's cursor,
 * paced by the socket — a client that reads gets every event, however long the history, and
 * the server holds at most a socket buffer of it — then live events through the job feed, which
 * subscribes before it reads the tail, so nothing falls between history and live. Only live
 * events are ever conflated (sse-stream.ts), and only for a client that does not keep up.
 */
import type { FastifyBaseLogger } from 'fastify';
import { isTerminal, type Job, type JobEvent } from '../model/job.js';
import type { Store } from '../store/store.js';
import { openJobFeed } from '../jobs/job-feed.js';
import type { SseStream, StreamMessage } from './sse-stream.js';

/** Events read from the log at once while catching up. */
const REPLAY_PAGE = 100;

export interface FollowOptions {
  store: Store;
  stream: SseStream;
  /** Writes a message of this job to the stream (and notices its terminal event). */
  send: (message: StreamMessage) => void;
  log: FastifyBaseLogger;
}

/** Streams `job` after seq `after` until its terminal event or the stream's end. */
export async function followJob(job: Job, after: number, options: FollowOptions): Promise<void> {
  const { store, stream, send, log } = options;
  try {
    let cursor = after;
    // A cursor beyond the job's seq means its log lost events the client saw: start afresh.
    if (cursor > job.seq) {
      send(resetMessage(job));
      if (isTerminal(job.status)) return;
      cursor = job.seq;
    }
    const caughtUp = await replay(job.id, cursor, options);
    if (caughtUp.ended || stream.closed) return;
    const feed = await openJobFeed(store, job.id, {
      after: caughtUp.cursor,
      onItem: (item) => {
        send(item.type === 'event' ? eventMessage(item.event) : resetMessage(item.job));
      },
      onError: (error) => {
        log.error({ err: error }, 'event stream failed');
        stream.destroy();
      },
    });
    // Pruned since it was read: nothing more will come for it.
    if (!feed) {
      stream.destroy();
      return;
    }
    stream.onClose(() => {
      feed.close();
    });
  } catch (error) {
    log.error({ err: error }, 'event stream failed');
    stream.destroy();
  }
}

/** Sends stored events after `after`, waiting for the socket whenever it is full. */
async function replay(
  jobId: string,
  after: number,
  { store, stream, send }: FollowOptions,
): Promise<{ cursor: number; ended: boolean }> {
  let cursor = after;
  for (;;) {
    const page = await store.events(jobId, cursor, REPLAY_PAGE);
    // Gone, or its history is: the job feed says so (job_not_found, reset) from here.
    if (!page || page.firstSeq > cursor + 1) return { cursor, ended: false };
    for (const event of page.events) {
      if (stream.congested) await stream.drained();
      if (stream.closed) return { cursor, ended: false };
      send(eventMessage(event));
      cursor = event.seq;
      if (isTerminal(event.status)) return { cursor, ended: true };
    }
    if (page.events.length < REPLAY_PAGE) return { cursor, ended: false };
  }
}

export function eventMessage(event: JobEvent): StreamMessage {
  return {
    key: event.jobId,
    seq: event.seq,
    event: event.kind,
    data: JSON.stringify(event),
    final: isTerminal(event.status),
  };
}

function resetMessage(job: Job): StreamMessage {
  return {
    key: job.id,
    seq: job.seq,
    event: 'reset',
    data: JSON.stringify(job),
    final: isTerminal(job.status),
  };
}

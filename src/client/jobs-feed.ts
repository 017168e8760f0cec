/**
 * `client.jobEvents()`: every job's events, live, over one event stream (GET /events?topics=jobs)
 * — what a jobs table needs. The topic has no replay: after a reconnect, `onConnect` runs again
 * so the caller can re-read what it shows with `list()`. A stream that ends, fails or falls
 * silent (event-stream.ts) is opened again with backoff; an answer that retrying cannot change
 * (401, 403) ends the iteration with its ClientError.
 */
import { EVENT_KINDS, type EventKind, type JobEvent } from '../model/job.js';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { isPermanent } from './client-error.js';
import { readEventStream } from './event-stream.js';
import type { Http } from './http.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './liveness.js';

export interface JobEventsOptions {
  signal?: AbortSignal;
  /** Called each time the stream (re)opens: read the current state then. */
  onConnect?: () => void;
}

const KINDS: ReadonlySet<string> = new Set<EventKind>(EVENT_KINDS);

export async function* jobEvents(
  deps: { http: Http; backoff: BackoffOptions },
  options: JobEventsOptions,
): AsyncGenerator<JobEvent, never> {
  const signal = options.signal ?? new AbortController().signal;
  for (let failures = 0; ;) {
    try {
      const stream = readEventStream(deps.http, {
        path: '/events?topics=jobs',
        signal,
        connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
      });
      for await (const item of stream) {
        if (item.kind === 'open') {
          failures = 0;
          options.onConnect?.();
        } else if (item.kind === 'event' && KINDS.has(item.event)) {
          yield JSON.parse(item.data) as JobEvent;
        }
      }
    } catch (error) {
      if (signal.aborted || isPermanent(error)) throw error;
    }
    await sleep(backoffDelay(failures++, deps.backoff), signal);
  }
}

/**
 * `client.jobEvents()`: every job's events, live, over one event stream (GET /events?topics=jobs)
 * — what a jobs table needs. The topic has no replay: after a reconnect, `onConnect` runs again
 * so the caller can re-read what it shows with `list()`.
 */
import { EVENT_KINDS, type JobEvent } from '../jobs/job-model.js';
import { AsyncQueue } from './async-queue.js';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import type { Http } from './http.js';
import type { Runtime } from './runtime.js';

export interface JobEventsOptions {
  signal?: AbortSignal;
  /** Called each time the stream (re)opens: read the current state then. */
  onConnect?: () => void;
}

type Item = { kind: 'open' } | { kind: 'failed' } | { kind: 'event'; data: string };

export async function* jobEvents(
  deps: { http: Http; runtime: Runtime; backoff: BackoffOptions },
  options: JobEventsOptions,
): AsyncGenerator<JobEvent, never> {
  const signal = options.signal ?? new AbortController().signal;
  const EventSource = await deps.runtime.eventSource();
  for (let failures = 0; ;) {
    const queue = new AsyncQueue<Item>();
    const source = new EventSource(await deps.http.streamUrl('/events?topics=jobs'));
    source.addEventListener('open', () => {
      queue.push({ kind: 'open' });
    });
    source.addEventListener('error', () => {
      queue.push({ kind: 'failed' });
    });
    for (const kind of EVENT_KINDS) {
      source.addEventListener(kind, (event) => {
        queue.push({ kind: 'event', data: event.data });
      });
    }
    try {
      for (let item = await queue.take(signal); item.kind !== 'failed';) {
        if (item.kind === 'open') {
          failures = 0;
          options.onConnect?.();
        } else {
          yield JSON.parse(item.data) as JobEvent;
        }
        item = await queue.take(signal);
      }
    } finally {
      source.close();
    }
    await sleep(backoffDelay(failures++, deps.backoff), signal);
  }
}

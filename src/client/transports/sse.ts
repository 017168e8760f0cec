/**
 * Server-sent events: GET /jobs/:id/events?after=<seq>, one response that carries every event
 * as it happens. EventSource would reconnect by itself, but with a fixed delay and no way to
 * learn why a stream failed; so each connection here is used once, and the SDK reconnects with
 * backoff from its own cursor (`after`), exactly as the server resumes from Last-Event-ID.
 */
import { EVENT_KINDS, type Job, type JobEvent } from '../../jobs/job-model.js';
import { applyEvent } from '../apply-event.js';
import { AsyncQueue } from '../async-queue.js';
import { backoffDelay, sleep } from '../backoff.js';
import type { EventSourceLike } from '../runtime.js';
import { TransportUnavailable, utf8Length, type TransportContext, type Update } from './context.js';
import { recheck } from './recheck.js';

type Item =
  | { kind: 'open' }
  | { kind: 'failed'; why: string }
  | { kind: 'event'; name: string; data: string; id: string };

export async function* sse(context: TransportContext): AsyncGenerator<Update, never> {
  const { http, meter, signal, jobId } = context;
  const EventSource = await context.runtime.eventSource();
  let failures = 0;
  let opened = false;
  for (;;) {
    const queue = new AsyncQueue<Item>();
    meter.request();
    const source = new EventSource(
      await http.streamUrl(`/jobs/${jobId}/events?after=${context.current().seq}`),
    );
    let streaming = false;
    const timer = setTimeout(() => {
      queue.push({ kind: 'failed', why: 'no answer in time' });
    }, context.connectTimeoutMs);
    listen(source, queue);
    try {
      for (;;) {
        const item = await queue.take(signal);
        if (item.kind === 'failed') break;
        if (item.kind === 'open') {
          clearTimeout(timer);
          streaming = opened = true;
          meter.connected();
          continue;
        }
        failures = 0;
        meter.bytes(utf8Length(`id: ${item.id}\nevent: ${item.name}\ndata: ${item.data}\n\n`));
        if (item.name === 'reset') {
          const job = JSON.parse(item.data) as Job;
          yield { job, at: job.updatedAt, reset: true };
        } else {
          const event = JSON.parse(item.data) as JobEvent;
          yield { job: applyEvent(context.current(), event), at: event.at };
        }
      }
    } finally {
      clearTimeout(timer);
      source.close();
    }
    if (!opened && context.mayFallBack) {
      throw new TransportUnavailable('sse', 'the event stream did not open');
    }
    meter.reconnecting();
    await sleep(backoffDelay(failures++, context.backoff), signal);
    // A stream that failed before it opened may have been a 404 or a 204 (finished): EventSource
    // cannot tell us which, one GET can.
    if (!streaming) yield* recheck(context);
  }
}

function listen(source: EventSourceLike, queue: AsyncQueue<Item>): void {
  source.addEventListener('open', () => {
    queue.push({ kind: 'open' });
  });
  source.addEventListener('error', () => {
    queue.push({ kind: 'failed', why: 'the stream failed or ended' });
  });
  for (const name of [...EVENT_KINDS, 'reset']) {
    source.addEventListener(name, (event) => {
      queue.push({ kind: 'event', name, data: event.data, id: event.lastEventId });
    });
  }
}

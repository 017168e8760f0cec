/**
 * Server-sent events: GET /jobs/:id/events?after=<seq>, one response that carries every event
 * as it happens, read with fetch (event-stream.ts). Each connection is used once: when it ends,
 * fails or falls silent, the SDK reconnects with backoff from its own cursor (`after`), exactly
 * as the server resumes from Last-Event-ID.
 */
import { EVENT_KINDS, type EventKind, type Job, type JobEvent } from '../../model/job.js';
import { applyEvent } from '../apply-event.js';
import { backoffDelay, sleep } from '../backoff.js';
import { isPermanent } from '../client-error.js';
import { readEventStream } from '../event-stream.js';
import { reasonOf, TransportUnavailable, type TransportContext, type Update } from './context.js';
import { recheck } from './recheck.js';

const KINDS: ReadonlySet<string> = new Set<EventKind>(EVENT_KINDS);

export async function* sse(context: TransportContext): AsyncGenerator<Update, never> {
  const { http, meter, signal, jobId } = context;
  let failures = 0;
  let opened = false;
  for (;;) {
    meter.request();
    let finished = false;
    const path = `/jobs/${jobId}/events?after=${context.current().seq}`;
    const exchange = context.wire.request(path);
    try {
      const stream = readEventStream(http, {
        path,
        signal,
        connectTimeoutMs: context.connectTimeoutMs,
        onBytes: (count) => {
          meter.bytes(count);
        },
      });
      for await (const item of stream) {
        if (item.kind === 'open') {
          opened = true;
          meter.connected();
          exchange.answered(200, 0);
        } else if (item.kind === 'finished') {
          finished = true;
          exchange.answered(204, 0);
          exchange.closed('204: nothing after this seq, the job has finished');
        } else if (item.kind === 'comment') {
          exchange.message(item.text.split(' ')[0] || 'comment', item.bytes);
        } else if (item.kind === 'retry') {
          exchange.message('retry', item.bytes);
        } else if (item.event === 'reset') {
          failures = 0;
          const job = JSON.parse(item.data) as Job;
          exchange.message('reset', item.bytes, { seq: job.seq, at: job.updatedAt });
          yield { job, at: job.updatedAt, reset: true };
        } else if (KINDS.has(item.event)) {
          failures = 0;
          const event = JSON.parse(item.data) as JobEvent;
          exchange.message('event', item.bytes, event);
          yield { job: applyEvent(context.current(), event), at: event.at };
        }
      }
      if (!finished) exchange.closed('the server ended the stream');
    } catch (error) {
      exchange.closed(reasonOf(error));
      if (signal.aborted) throw error;
      if (!opened && context.mayFallBack) {
        throw new TransportUnavailable('sse', `the event stream did not open: ${String(error)}`);
      }
      // job_not_found, unauthorized: asking again will not help.
      if (isPermanent(error)) throw error;
    } finally {
      // Also when the watch stops pulling (the job ended): the connection closes with it.
      exchange.closed('closed by the client: the watch ended');
    }
    // 204: the server has nothing after our seq because the job finished; read how it ended.
    if (finished) yield* recheck(context);
    meter.reconnecting();
    await sleep(backoffDelay(failures++, context.backoff), signal);
  }
}

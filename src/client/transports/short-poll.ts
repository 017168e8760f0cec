/**
 * Short polling: ask GET /jobs/:id on a timer. `If-None-Match` with the seq we have makes an
 * unchanged answer a bodiless 304; the timer is the server's `Retry-After` unless the caller
 * set one. Most requests bring nothing — the pattern's price, which the dashboard counts.
 */
import type { Job } from '../../model/job.js';
import { backoffDelay, sleep } from '../backoff.js';
import { isPermanent } from '../client-error.js';
import { reasonOf, type TransportContext, type Update } from './context.js';

const DEFAULT_INTERVAL_MS = 1000;

export async function* shortPoll(context: TransportContext): AsyncGenerator<Update, never> {
  const { http, meter, signal, jobId } = context;
  let failures = 0;
  for (;;) {
    let waitMs: number;
    const path = `/jobs/${jobId}`;
    const exchange = context.wire.request(path);
    try {
      meter.request();
      const answer = await http.request({
        path,
        headers: { 'if-none-match': `"${context.current().seq}"` },
        signal,
      });
      meter.bytes(answer.bytes);
      failures = 0;
      const job = answer.status === 200 ? (answer.body as Job) : undefined;
      const hintedS = Number(answer.headers.get('retry-after'));
      const news = job !== undefined && job.seq > context.current().seq;
      exchange.answered(answer.status, answer.bytes, {
        news,
        retryAfterS: hintedS > 0 ? hintedS : undefined,
        seq: job?.seq,
        changedAt: news ? job.updatedAt : undefined,
      });
      if (job) yield { job, at: job.updatedAt };
      waitMs = context.pollIntervalMs ?? (hintedS > 0 ? hintedS * 1000 : DEFAULT_INTERVAL_MS);
    } catch (error) {
      exchange.closed(reasonOf(error));
      if (signal.aborted || isPermanent(error)) throw error;
      meter.reconnecting();
      waitMs = backoffDelay(failures++, context.backoff);
    }
    await sleep(waitMs, signal);
  }
}

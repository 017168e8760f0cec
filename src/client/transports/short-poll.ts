/**
 * Short polling: ask GET /jobs/:id on a timer. `If-None-Match` with the seq we have makes an
 * unchanged answer a bodiless 304; the timer is the server's `Retry-After` unless the caller
 * set one. Most requests bring nothing — the pattern's price, which the dashboard counts.
 */
import type { Job } from '../../model/job.js';
import { backoffDelay, sleep } from '../backoff.js';
import { isPermanent } from '../client-error.js';
import type { TransportContext, Update } from './context.js';

const DEFAULT_INTERVAL_MS = 1000;

export async function* shortPoll(context: TransportContext): AsyncGenerator<Update, never> {
  const { http, meter, signal, jobId } = context;
  let failures = 0;
  for (;;) {
    let waitMs: number;
    try {
      meter.request();
      const answer = await http.request({
        path: `/jobs/${jobId}`,
        headers: { 'if-none-match': `"${context.current().seq}"` },
        signal,
      });
      meter.bytes(answer.bytes);
      failures = 0;
      if (answer.status === 200) {
        const job = answer.body as Job;
        yield { job, at: job.updatedAt };
      }
      const hinted = Number(answer.headers.get('retry-after')) * 1000;
      waitMs = context.pollIntervalMs ?? (hinted > 0 ? hinted : DEFAULT_INTERVAL_MS);
    } catch (error) {
      if (signal.aborted || isPermanent(error)) throw error;
      meter.reconnecting();
      waitMs = backoffDelay(failures++, context.backoff);
    }
    await sleep(waitMs, signal);
  }
}

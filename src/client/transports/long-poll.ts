/**
 * Long polling: GET /jobs/:id?after=<seq>&wait=<s>. The server holds the request until the job
 * passes `after` (or the wait ends), so each answer is news and the next request follows at
 * once. A timeout is a bodiless 304 because we also send `If-None-Match: "<after>"`.
 */
import type { Job } from '../../model/job.js';
import { backoffDelay, sleep } from '../backoff.js';
import { isPermanent } from '../client-error.js';
import { reasonOf, type TransportContext, type Update } from './context.js';

/** Beyond `wait`, how long the answer may take before the request counts as lost. */
const ANSWER_MARGIN_MS = 15_000;

export async function* longPoll(context: TransportContext): AsyncGenerator<Update, never> {
  const { http, meter, signal, jobId, longPollWaitSeconds } = context;
  let failures = 0;
  for (;;) {
    const after = context.current().seq;
    // A proxy that silently drops a held request must not stall the watch forever.
    const deadline = AbortSignal.timeout(longPollWaitSeconds * 1000 + ANSWER_MARGIN_MS);
    const path = `/jobs/${jobId}?after=${after}&wait=${longPollWaitSeconds}`;
    const exchange = context.wire.request(path);
    try {
      meter.request();
      const answer = await http.request({
        path,
        headers: { 'if-none-match': `"${after}"` },
        signal: AbortSignal.any([signal, deadline]),
      });
      meter.bytes(answer.bytes);
      failures = 0;
      const job = answer.body as Job | undefined;
      const news = job !== undefined && job.seq !== after;
      exchange.answered(answer.status, answer.bytes, {
        news,
        seq: job?.seq,
        changedAt: news ? job.updatedAt : undefined,
      });
      // A seq below ours means the server lost history (another store): resynchronise.
      if (news) yield { job, at: job.updatedAt, reset: job.seq < after };
    } catch (error) {
      exchange.closed(reasonOf(error));
      if (signal.aborted || isPermanent(error)) throw error;
      meter.reconnecting();
      await sleep(backoffDelay(failures++, context.backoff), signal);
    }
  }
}

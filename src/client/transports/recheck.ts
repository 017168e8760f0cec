/**
 * One GET of the snapshot, for a stream that says the job ended without showing how (a
 * WebSocket `unsubscribed: ended`, an event stream's 204): a job that moved on (finished) is
 * delivered as is, a job that is gone throws its `job_not_found`.
 */
import type { Job } from '../../model/job.js';
import { isPermanent } from '../client-error.js';
import { reasonOf, type TransportContext, type Update } from './context.js';

export async function* recheck(context: TransportContext): AsyncGenerator<Update> {
  const { http, meter, signal, jobId } = context;
  const path = `/jobs/${jobId}`;
  const exchange = context.wire.request(path);
  try {
    meter.request();
    const answer = await http.request({ path, signal });
    meter.bytes(answer.bytes);
    const job = answer.body as Job;
    const news = job.seq > context.current().seq;
    exchange.answered(answer.status, answer.bytes, {
      news,
      seq: job.seq,
      changedAt: job.updatedAt,
    });
    if (news) yield { job, at: job.updatedAt };
  } catch (error) {
    exchange.closed(reasonOf(error));
    // Still unreachable: the next connection attempt will find out again.
    if (signal.aborted || isPermanent(error)) throw error;
  }
}

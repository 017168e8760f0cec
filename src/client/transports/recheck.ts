/**
 * One GET of the snapshot, for a stream that says the job ended without showing how (a
 * WebSocket `unsubscribed: ended`, an event stream's 204): a job that moved on (finished) is
 * delivered as is, a job that is gone throws its `job_not_found`.
 */
import type { Job } from '../../model/job.js';
import { isPermanent } from '../client-error.js';
import type { TransportContext, Update } from './context.js';

export async function* recheck(context: TransportContext): AsyncGenerator<Update> {
  const { http, meter, signal, jobId } = context;
  try {
    meter.request();
    const answer = await http.request({ path: `/jobs/${jobId}`, signal });
    meter.bytes(answer.bytes);
    const job = answer.body as Job;
    if (job.seq > context.current().seq) yield { job, at: job.updatedAt };
  } catch (error) {
    // Still unreachable: the next connection attempt will find out again.
    if (signal.aborted || isPermanent(error)) throw error;
  }
}

/**
 * Streams (SSE, WebSocket) carry events, not snapshots; every event holds the job's status and
 * progress after it, and a terminal event its result or error. Applying one to the snapshot
 * before it gives the snapshot after it — what GET /jobs/:id would answer at that seq.
 */
import type { Job, JobError, JobEvent } from '../model/job.js';

export function applyEvent(job: Job, event: JobEvent): Job {
  const next: Job = {
    ...job,
    seq: event.seq,
    status: event.status,
    progress: event.progress,
    updatedAt: event.at,
  };
  // The store keeps a result or error only on the snapshot of the event that set it.
  delete next.result;
  delete next.error;
  const data = (event.data ?? {}) as { attempt?: number; result?: unknown; error?: JobError };
  if (event.kind === 'started' && typeof data.attempt === 'number') next.attempt = data.attempt;
  if (event.kind === 'succeeded') next.result = data.result ?? null;
  if (event.kind === 'failed' && data.error) next.error = data.error;
  return next;
}

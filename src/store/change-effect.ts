/**
 * What a change does to a job besides its status (the state machine decides that): its
 * progress, its result or error, and the data its event carries. Both stores apply it — the
 * SQLite store directly, the Redis store's script from arguments built from it — so an event
 * means the same on either. `started` also counts an attempt, which only the store can see.
 */
import type { JobError } from '../model/job.js';
import type { JobChange } from './store.js';

export interface ChangeEffect {
  /** The job's progress after the change; undefined keeps it. */
  progress: number | undefined;
  /** Set only by `succeeded`: the handler's result, null when it returned nothing. */
  result?: unknown;
  error?: JobError;
  /** The event's data; undefined when it carries none. */
  data: unknown;
}

export function changeEffect(change: JobChange): ChangeEffect {
  switch (change.kind) {
    case 'started':
      return { progress: undefined, data: undefined };
    case 'progress':
      return {
        progress: Math.min(100, Math.max(0, Math.round(change.progress))),
        data: change.data,
      };
    case 'succeeded': {
      const result = change.result ?? null;
      return { progress: 100, result, data: { result } };
    }
    case 'failed':
      return { progress: undefined, error: change.error, data: { error: change.error } };
    case 'canceled':
      return {
        progress: undefined,
        data: change.reason === undefined ? undefined : { reason: change.reason },
      };
    case 'requeued':
      return { progress: 0, data: { reason: change.reason } };
  }
}

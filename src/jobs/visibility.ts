/**
 * Who may see which job, once for every surface: another caller's job looks exactly like a
 * missing one. `visibleJob` answers for one job (`job_not_found` either way); `visibleEvents`
 * filters the `jobs` topic (every job's events) down to the caller's, keeping their order.
 */
import { canSee, type Caller } from '../auth/caller.js';
import { AppError } from '../model/errors/app-error.js';
import type { Job, JobEvent } from '../model/job.js';
import type { EventListener, JobStore } from '../store/store.js';

/** The job, or `job_not_found` — also when it exists but belongs to another caller. */
export async function visibleJob(store: JobStore, id: string, caller: Caller): Promise<Job> {
  const job = await store.get(id);
  if (!job || !canSee(caller, job)) throw notFound(id);
  return job;
}

export function notFound(id: string): AppError {
  return new AppError('job_not_found', `no job has id ${id}`);
}

const REMEMBERED_JOBS = 10_000;

/**
 * With API keys off everything passes straight through. Otherwise each job's owner is looked
 * up once (then remembered, up to a bound) and events wait in order behind a lookup in progress.
 */
export function visibleEvents(
  store: JobStore,
  caller: Caller,
  listener: EventListener,
): EventListener {
  const owner = caller.owner;
  if (owner === undefined) return listener;
  const visible = new Map<string, boolean>();
  const queue: JobEvent[] = [];
  let draining = false;

  const remember = (jobId: string, value: boolean) => {
    if (visible.size >= REMEMBERED_JOBS) {
      const oldest = visible.keys().next().value;
      if (oldest !== undefined) visible.delete(oldest);
    }
    visible.set(jobId, value);
  };

  const drain = async () => {
    draining = true;
    try {
      for (let event = queue.shift(); event; event = queue.shift()) {
        let mine = visible.get(event.jobId);
        if (mine === undefined) {
          const job = await store.get(event.jobId).catch(() => undefined);
          mine = job !== undefined && canSee(caller, job);
          remember(event.jobId, mine);
        }
        if (mine) listener(event);
      }
    } finally {
      draining = false;
    }
  };

  return (event) => {
    const mine = visible.get(event.jobId);
    if (!draining && queue.length === 0 && mine !== undefined) {
      if (mine) listener(event);
      return;
    }
    queue.push(event);
    if (!draining) void drain();
  };
}

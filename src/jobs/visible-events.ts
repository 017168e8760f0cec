/**
 * Filters the `jobs` topic (every job's events) down to the jobs a caller may see, keeping the
 * order of events. With API keys off everything passes straight through. Otherwise each job's
 * owner is looked up once (then remembered, up to a bound) and events wait in order behind a
 * lookup in progress.
 */
import type { JobEvent } from '../model/job.js';
import type { EventListener, Store } from '../store/store.js';
import type { Caller } from '../auth/caller.js';

const REMEMBERED_JOBS = 10_000;

export function visibleEvents(
  store: Store,
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
          mine = job?.owner === owner;
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

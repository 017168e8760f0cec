import { isTerminal, type Job, type JobEvent } from '../../src/model/job.js';
import { type Store } from '../../src/store/store.js';
import { jobTopic } from '../../src/model/topic.js';

/**
 * Resolves with the job once `predicate` holds, checking the stored snapshot after subscribing
 * (so a change in between is not missed) and then on every event. Rejects after `timeoutMs`.
 */
export async function waitForJob(
  store: Store,
  jobId: string,
  predicate: (job: Job) => boolean,
  timeoutMs = 10_000,
): Promise<Job> {
  return new Promise<Job>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, job?: Job) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      if (error) reject(error);
      else resolve(job as Job);
    };
    const check = () => {
      store.get(jobId).then(
        (job) => {
          if (job && predicate(job)) finish(undefined, job);
        },
        (error: unknown) => {
          finish(error instanceof Error ? error : new Error(String(error)));
        },
      );
    };
    const timer = setTimeout(() => {
      store.get(jobId).then(
        (job) => {
          finish(new Error(`timed out waiting for job ${jobId}; it is ${JSON.stringify(job)}`));
        },
        () => {
          finish(new Error(`timed out waiting for job ${jobId}`));
        },
      );
    }, timeoutMs);
    const unsubscribe = store.subscribe(jobTopic(jobId), check);
    check();
  });
}

export const isFinished = (job: Job): boolean => isTerminal(job.status);

/** Collects every event published for `jobId` from now on. */
export function recordEvents(
  store: Store,
  jobId: string,
): { events: JobEvent[]; stop: () => void } {
  const events: JobEvent[] = [];
  const stop = store.subscribe(jobTopic(jobId), (event) => events.push(event));
  return { events, stop };
}

/**
 * HTTP load from a worker thread, so that a test can measure a server's event loop in its own
 * process without the client's work landing on that loop: `pollers` clients ask for every job's
 * status until all are finished, and one more asks /healthz every `healthEveryMs`. With no job
 * ids it runs for `idleMs` (a baseline). Bounded by `timeoutMs` either way.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { isTerminal, type JobStatus } from '../../src/model/job.js';

export interface LoadPlan {
  url: string;
  ids: string[];
  pollers: number;
  pollGapMs: number;
  healthEveryMs: number;
  idleMs: number;
  timeoutMs: number;
}

export interface LoadResult {
  polls: number;
  /** /healthz response times in ms, sorted. */
  health: number[];
  unfinished: string[];
}

const plan = workerData as LoadPlan;
const pending = new Set(plan.ids);
const started = performance.now();
const until = started + (plan.ids.length > 0 ? plan.timeoutMs : plan.idleMs);
const going = () => performance.now() < until && (plan.ids.length === 0 || pending.size > 0);
let polls = 0;
const health: number[] = [];

async function poller(): Promise<void> {
  while (going()) {
    for (const id of [...pending]) {
      const job = (await (await fetch(`${plan.url}/jobs/${id}`)).json()) as { status: JobStatus };
      polls++;
      if (isTerminal(job.status)) pending.delete(id);
    }
    await sleep(plan.pollGapMs);
  }
}

async function prober(): Promise<void> {
  while (going()) {
    const start = performance.now();
    await (await fetch(`${plan.url}/healthz`)).arrayBuffer();
    health.push(performance.now() - start);
    await sleep(plan.healthEveryMs);
  }
}

// No top-level await: from source this module is loaded through require() (see start-worker.ts).
void Promise.all([prober(), ...Array.from({ length: plan.pollers }, poller)]).then(() => {
  parentPort?.postMessage({
    polls,
    health: health.sort((a, b) => a - b),
    unfinished: [...pending],
  } satisfies LoadResult);
});

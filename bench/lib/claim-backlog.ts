/**
 * What an external worker's claim costs as its type's backlog grows (issue 19): one server,
 * its queue of `noop-external` jobs filled to each size in turn (smallest first, so one file
 * grows through all of them), then CLAIMS claims over the worker protocol one at a time, each
 * completed before the next, after WARM_UP unmeasured ones. Claims take jobs from the backlog,
 * so each size is filled to that many more than its name and ends at it.
 */
import { median, runLoad } from './load.js';
import { jobCounts, startOurServer } from './our-server.js';

const TYPE = 'noop-external';
const CLAIMS = 200;
/** Claims before the measured ones at each size, so the first size does not pay for warm-up. */
const WARM_UP = 50;

export interface ClaimCost {
  backlog: number;
  /** Median latency of one claim, ms (loopback, nothing else running on the server). */
  claimP50Ms: number;
  /** The server's CPU per claim and its complete, µs. */
  cpuPerClaimUs: number;
}

export async function claimCostByBacklog(
  dataDir: string,
  backlogs: readonly number[],
): Promise<ClaimCost[]> {
  const ours = await startOurServer(dataDir, { SQLITE_SYNCHRONOUS: 'normal' });
  try {
    const costs: ClaimCost[] = [];
    for (const backlog of [...backlogs].sort((a, b) => a - b)) {
      const queued = (await jobCounts(ours.url)).queued ?? 0;
      const missing = backlog + WARM_UP + CLAIMS - queued;
      if (missing > 0) {
        await runLoad({
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          url: `${ours.url}/jobs`,
          body: JSON.stringify({ type: TYPE, input: {} }),
          connections: 50,
          durationSeconds: 600,
          amount: missing,
        });
      }
      const filled = (await jobCounts(ours.url)).queued ?? 0;
      if (filled < backlog + WARM_UP + CLAIMS) {
        throw new Error(`claim backlog: ${String(filled)} queued, fewer than wanted`);
      }
      for (let i = 0; i < WARM_UP; i++) await claimAndComplete(ours.url);
      const latencies: number[] = [];
      const cpuBefore = ours.cpuSeconds();
      for (let i = 0; i < CLAIMS; i++) latencies.push(await claimAndComplete(ours.url));
      const cpuPerClaimUs = ((ours.cpuSeconds() - cpuBefore) * 1e6) / CLAIMS;
      costs.push({
        backlog: filled - WARM_UP - CLAIMS,
        claimP50Ms: median(latencies),
        cpuPerClaimUs,
      });
    }
    return costs;
  } finally {
    await ours.stop();
  }
}

/** One claim of TYPE and its complete; resolves with the claim's latency (ms). */
async function claimAndComplete(url: string): Promise<number> {
  const started = performance.now();
  const claim = await post(`${url}/workers/claim`, { types: [TYPE] });
  const latency = performance.now() - started;
  if (claim.status !== 200) throw new Error(`claim: ${String(claim.status)}`);
  const { job, lease } = (await claim.json()) as { job: { id: string }; lease: { token: string } };
  const done = await post(`${url}/workers/jobs/${job.id}/complete`, { token: lease.token });
  await done.text();
  return latency;
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * Case 20 — progress back-pressure. A handler reports 40,000 progress updates a second for a
 * second without awaiting them; then the same job with 2,000 WebSocket subscribers (real
 * sockets, in a client process) against none, in the same run. What must hold: the job's
 * updates coalesce (latest wins) so its `succeeded` is recorded within 1 s of its handler
 * returning and the heap does not grow with the flood; its log stays bounded (compaction);
 * and the subscribers slow its writes by at most 2×.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { jobTopic } from '../../src/model/topic.js';
import { COMPACT_EVERY, LOG_KEEP } from '../../src/store/log-compaction.js';
import { spawnNode } from '../helpers/spawn-server.js';
import { startTestServer } from '../helpers/test-server.js';
import { count, figure } from './helpers/figures.js';
import { closeFloodGate, floodJobType, openFloodGate } from './helpers/flood-job-type.js';
import { sized } from './helpers/size.js';

const RATE = 40_000;
const DURATION_MS = 1000;
const SUBSCRIBERS = sized(2000, 500);
const FOLLOWERS = new URL('./helpers/ws-followers-process.ts', import.meta.url).pathname;

interface Run {
  /** Handler return → `succeeded` recorded. */
  lagMs: number;
  /** Progress events recorded while the handler flooded, per second. */
  writesPerSecond: number;
  reported: number;
  heapBeforeMb: number;
  heapPeakMb: number;
  logEvents: number;
}

describe('torture 20: progress back-pressure', () => {
  it(`a ${count(RATE)}/s progress flood ends within 1 s of its handler; ${count(SUBSCRIBERS)} WebSocket subscribers slow its writes at most 2×`, async () => {
    const { url, server } = await startTestServer({ maxConnectionsPerIp: 10_000 }, [floodJobType]);
    const alone = await floodRun(url, server.store, 0, false);
    const followed = await floodRun(url, server.store, SUBSCRIBERS, false);
    const ratio = alone.writesPerSecond / followed.writesPerSecond;
    // Each update awaited: the job writes as fast as the store lets it.
    const awaitedAlone = await floodRun(url, server.store, 0, true);
    const awaitedFollowed = await floodRun(url, server.store, SUBSCRIBERS, true);
    const awaitedRatio = awaitedAlone.writesPerSecond / awaitedFollowed.writesPerSecond;
    figure(
      `progress flood: ${count(alone.reported)} updates in ${DURATION_MS} ms, not awaited; ` +
        `succeeded recorded ${Math.round(alone.lagMs)} ms after the handler returned (bound 1000), ` +
        `heap ${alone.heapBeforeMb.toFixed(0)} → peak ${alone.heapPeakMb.toFixed(0)} MB, ` +
        `${count(Math.round(alone.writesPerSecond))} progress writes/s, log ${count(alone.logEvents)} events; ` +
        `with ${count(SUBSCRIBERS)} WebSocket subscribers ${count(Math.round(followed.writesPerSecond))} writes/s ` +
        `(${ratio.toFixed(2)}× slower, bound 2×), succeeded ${Math.round(followed.lagMs)} ms after return; ` +
        `each update awaited: ${count(Math.round(awaitedAlone.writesPerSecond))} writes/s alone, ` +
        `${count(Math.round(awaitedFollowed.writesPerSecond))} with the subscribers ` +
        `(${awaitedRatio.toFixed(2)}× slower, bound 2×), log ${count(awaitedAlone.logEvents)} events ` +
        `after ${count(awaitedAlone.reported)} updates`,
    );
    expect(awaitedRatio).toBeLessThan(2);
    expect(awaitedAlone.logEvents).toBeLessThanOrEqual(LOG_KEEP + COMPACT_EVERY);
    expect(alone.lagMs).toBeLessThan(1000);
    expect(followed.lagMs).toBeLessThan(1000);
    expect(alone.heapPeakMb - alone.heapBeforeMb).toBeLessThan(40);
    expect(ratio).toBeLessThan(2);
  });
});

async function floodRun(
  url: string,
  store: import('../../src/store/store.js').Store,
  subscribers: number,
  awaited: boolean,
): Promise<Run> {
  closeFloodGate();
  const response = await fetch(`${url}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'flood',
      input: { ratePerSecond: RATE, durationMs: DURATION_MS, gated: true, awaited },
    }),
  });
  const job = (await response.json()) as Job;
  let followers: ReturnType<typeof spawnNode> | undefined;
  if (subscribers > 0) {
    followers = spawnNode(FOLLOWERS, [url, String(subscribers), job.id], { ipc: true });
    const deadline = performance.now() + 60_000;
    while (!followers.lines.includes('ready')) {
      if (performance.now() > deadline) throw new Error(`followers: ${followers.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  global.gc?.();
  const heapBeforeMb = process.memoryUsage().heapUsed / 2 ** 20;
  let heapPeakMb = heapBeforeMb;
  const sampler = setInterval(() => {
    heapPeakMb = Math.max(heapPeakMb, process.memoryUsage().heapUsed / 2 ** 20);
  }, 20);
  const succeeded = new Promise<number>((resolve) => {
    const unsubscribe = store.subscribe(jobTopic(job.id), (event) => {
      if (event.kind !== 'succeeded') return;
      unsubscribe();
      resolve(Date.now());
    });
  });
  const before = (await store.get(job.id))?.seq ?? 0;
  openFloodGate();
  const recordedAt = await succeeded;
  clearInterval(sampler);
  const done = (await store.get(job.id)) as Job;
  const result = done.result as { reported: number; startedAt: number; returnedAt: number };
  const page = await store.events(job.id, 0, 100_000);
  if (followers) {
    followers.child.send('count');
    await once(followers.child, 'message');
    process.kill(-followers.pid, 'SIGKILL');
    await followers.exited;
  }
  const progressWrites = done.seq - before - 1; // minus the succeeded event
  return {
    lagMs: recordedAt - result.returnedAt,
    writesPerSecond: progressWrites / ((result.returnedAt - result.startedAt) / 1000),
    reported: result.reported,
    heapBeforeMb,
    heapPeakMb,
    logEvents: page?.events.length ?? 0,
  };
}

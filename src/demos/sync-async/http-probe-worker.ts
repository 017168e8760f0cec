/**
 * The client side of the HTTP probe, in a worker thread so that it keeps sending while the main
 * thread is blocked: a request sent then waits for the main loop, and its response time is
 * what a user of a blocked server would see.
 */
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';

export type ProbeCommand = 'begin' | 'end';
export type ProbeReply = { kind: 'begun' } | { kind: 'ended'; latencies: number[] };

/** Pause between requests, so the probe does not take a whole core of a small machine. */
const GAP_MS = 2;

const url = (workerData as { url: string }).url;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let running = false;
let loop: Promise<number[]> = Promise.resolve([]);

function request(): Promise<void> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      response.resume();
      response.on('end', resolve);
    }).on('error', reject);
  });
}

async function probe(): Promise<number[]> {
  const latencies: number[] = [];
  while (running) {
    const start = performance.now();
    await request();
    latencies.push(performance.now() - start);
    await sleep(GAP_MS);
  }
  return latencies;
}

parentPort?.on('message', (command: ProbeCommand) => {
  if (command === 'begin') {
    running = true;
    loop = probe();
    parentPort?.postMessage({ kind: 'begun' } satisfies ProbeReply);
    return;
  }
  running = false;
  void loop.then((latencies) => {
    parentPort?.postMessage({ kind: 'ended', latencies } satisfies ProbeReply);
  });
});

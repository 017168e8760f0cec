/** Starting the system under test, and the few API calls the suites need. */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { isTerminal, type JobStatus } from '../../src/model/job.js';
import { startNodeScript, type BenchProcess, type StartOptions } from './processes.js';
import { OUR_SERVER } from './suite.js';

export async function startOurServer(
  dataDir: string,
  env: Record<string, string> = {},
  start: StartOptions = {},
): Promise<BenchProcess> {
  return startNodeScript(
    OUR_SERVER,
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT: '1s',
      ...env,
    },
    withProfiling(start),
  );
}

/**
 * BENCH_CPU_PROF=<dir>: every server of ours writes a V8 CPU profile there when it stops (open
 * it in Chrome DevTools, or summarise it with bench/profile-summary.ts).
 */
function withProfiling(start: StartOptions): StartOptions {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return start;
  return { ...start, execArgv: [...(start.execArgv ?? []), '--cpu-prof', `--cpu-prof-dir=${dir}`] };
}

interface JobSnapshot {
  id: string;
  status: JobStatus;
}

export async function submit(url: string, type: string, input: unknown = {}): Promise<string> {
  const response = await fetch(`${url}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type, input }),
  });
  if (response.status !== 202)
    throw new Error(`submit: ${response.status} ${await response.text()}`);
  return ((await response.json()) as JobSnapshot).id;
}

/** Waits for a job to finish by long-lived short polling (bench set-up only). */
export async function waitFinished(url: string, id: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const job = (await (await fetch(`${url}/jobs/${id}`)).json()) as JobSnapshot;
    if (isTerminal(job.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not finish in ${timeoutMs} ms`);
}

/** Jobs by status, from /metrics. */
export async function jobCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^jobs\{status="(\w+)"\} (\d+)/gm)) {
    counts[match[1] ?? ''] = Number(match[2]);
  }
  return counts;
}

/** Submits `ticker` jobs (see bench/servers/our-server.ts) and waits until all are running. */
export async function startTickers(
  url: string,
  gate: string,
  count: number,
  schedule: { updates: number; intervalMs: number },
): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < count; k++) {
    // Spread the jobs over one interval, as independent jobs would be, not all in step.
    const phaseMs = Math.round((k * schedule.intervalMs) / count);
    ids.push(await submit(url, 'ticker', { gate, ...schedule, phaseMs }));
  }
  const deadline = Date.now() + 30_000;
  for (const id of ids) {
    for (;;) {
      const job = (await (await fetch(`${url}/jobs/${id}`)).json()) as JobSnapshot;
      if (job.status === 'running') break;
      if (Date.now() > deadline) throw new Error(`ticker ${id} is ${job.status}, not running`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return ids;
}

/** Publishes on a chat topic over the server's WebSocket and waits for the acknowledgement. */
async function publishOnce(url: string, topic: string, data: unknown): Promise<void> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  try {
    await once(ws, 'open');
    const acknowledged = new Promise<void>((resolve, reject) => {
      ws.on('message', (raw: Buffer) => {
        const message = JSON.parse(raw.toString()) as { type: string; id?: string };
        if (message.type === 'published') resolve();
        if (message.type === 'error') reject(new Error(raw.toString()));
      });
    });
    ws.send(JSON.stringify({ type: 'publish', topic, data, id: 'bench' }));
    await acknowledged;
  } finally {
    ws.terminate();
  }
}

/** Opens a ticker gate: the tickers waiting on it start their schedules now. */
export function openGate(url: string, gate: string): Promise<void> {
  return publishOnce(url, 'chat:bench-gate', { gate });
}

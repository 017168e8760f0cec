/**
 * examples/python-worker/: the Python worker (standard library only) against a real server on
 * a real port. Its progress reaches a WebSocket and an SSE watcher; a cancel stops it; a worker
 * killed with SIGKILL mid-job loses its lease, a second worker finishes the job, and the first
 * one's late completion is refused. Leases are short (--worker-lease 1s) and every wait is on
 * an event: the job's own, or a line the worker prints.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Job, JobEvent } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { readEventStream } from './helpers/sse.js';
import { startTestServer } from './helpers/test-server.js';
import { recordEvents, waitForJob } from './helpers/wait-for-job.js';
import { connect } from './helpers/ws-client.js';

const EXAMPLE = fileURLToPath(new URL('../examples/python-worker/', import.meta.url));
const PYTHON = 'python3';
const hasPython = spawnSync(PYTHON, ['--version']).status === 0;

interface Line {
  event: string;
  jobId?: string;
  token?: string;
}

/** A running worker.py: every JSON line it printed, and a wait for the next matching one. */
function startWorker(url: string, args: string[] = []) {
  const child: ChildProcess = spawn(
    PYTHON,
    [`${EXAMPLE}worker.py`, '--server', url, '--wait', '5', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    lines.push(JSON.parse(text) as Line);
    for (const check of [...waiters]) check();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    lines,
    exited,
    waitFor(event: string, timeoutMs = 20_000): Promise<Line> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`worker printed no "${event}": ${JSON.stringify(lines)}`));
        }, timeoutMs);
        const check = () => {
          const found = lines.find((line) => line.event === event);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

async function server() {
  const test = await startTestServer({
    externalJobTypes: `${EXAMPLE}job-types.json`,
    workerLease: 1000,
  });
  const submit = async (input: unknown) => {
    const response = await postJson(`${test.url}/jobs`, { type: 'transcode', input });
    expect(response.status).toBe(202);
    return json<Job>(response);
  };
  return { ...test, store: test.server.store, submit };
}

describe.skipIf(!hasPython)('examples/python-worker', () => {
  it('runs a job whose progress reaches a WebSocket and an SSE watcher', async () => {
    const { url, store, submit } = await server();
    const job = await submit({ url: 'file:///movie.mp4', steps: 3 });
    const ws = await connect(url);
    ws.send({ type: 'subscribe', topic: `job:${job.id}`, after: 0 });
    const sse = await readEventStream(`${url}/jobs/${job.id}/events`);
    const worker = startWorker(url, ['--step-ms', '20', '--once']);
    const done = await waitForJob(store, job.id, (j) => j.status === 'succeeded');
    expect(done.result).toEqual({ url: 'file:///movie.mp4', frames: 3 });
    expect(await worker.exited).toBe(0);

    const wsEvent = await ws.waitFor(
      (m) => m.type === 'event' && (m.data as JobEvent).kind === 'succeeded',
    );
    const wsEvents = ws.messages.filter((m) => m.type === 'event').map((m) => m.data as JobEvent);
    expect(wsEvent).toBeDefined();
    expect(wsEvents.filter((e) => e.kind === 'progress').map((e) => [e.progress, e.data])).toEqual([
      [33, { step: 1, of: 3 }],
      [67, { step: 2, of: 3 }],
      [100, { step: 3, of: 3 }],
    ]);
    await sse.ended; // the stream ends after the terminal event
    const sseEvents = sse.parsed().events.map((e) => JSON.parse(e.data) as JobEvent);
    expect(sseEvents.map((e) => e.seq)).toEqual(wsEvents.map((e) => e.seq));
    expect(sseEvents.map((e) => e.kind)).toEqual([
      'queued',
      'started',
      'progress',
      'progress',
      'progress',
      'succeeded',
    ]);
  });

  it('stops working on a job canceled while it runs', async () => {
    const { url, store, submit } = await server();
    const job = await submit({ url: 'file:///long.mp4', steps: 1000 });
    const worker = startWorker(url, ['--step-ms', '20', '--once']);
    await worker.waitFor('progress');
    const canceled = await fetch(`${url}/jobs/${job.id}`, { method: 'DELETE' });
    expect(canceled.status).toBe(200);
    expect(await worker.waitFor('canceled')).toMatchObject({ jobId: job.id });
    expect(await worker.exited).toBe(0);
    const stored = await store.get(job.id);
    expect(stored?.status).toBe('canceled');
    // Nothing after the cancel: the worker's next report was refused, not applied.
    const page = await store.events(job.id, 0);
    expect(page?.events.at(-1)).toMatchObject({ kind: 'canceled', seq: stored?.seq });
  });

  it("hands a killed worker's job to a second worker after its lease lapses, and refuses the first one's late completion", async () => {
    const { url, store, submit } = await server();
    const job = await submit({ url: 'file:///big.mov', steps: 1000 });
    const recorded = recordEvents(store, job.id);
    const first = startWorker(url, ['--step-ms', '20']);
    const claimed = await first.waitFor('claimed');
    await first.waitFor('progress');
    first.child.kill('SIGKILL');
    await first.exited;
    // No renewal any more: within about a lease the sweeper hands the job back.
    const requeued = await waitForJob(store, job.id, (j) => j.status === 'queued');
    expect(requeued.attempt).toBe(1);
    expect(recorded.events.find((e) => e.kind === 'requeued')?.data).toEqual({
      reason: 'lease-expired',
    });

    const second = startWorker(url, ['--step-ms', '1', '--once']);
    const done = await waitForJob(store, job.id, (j) => j.status === 'succeeded', 30_000);
    expect(done).toMatchObject({ attempt: 2, result: { url: 'file:///big.mov', frames: 1000 } });
    expect(await second.exited).toBe(0);

    const late = await postJson(`${url}/workers/jobs/${job.id}/complete`, {
      token: claimed.token,
      result: { from: 'the first worker' },
    });
    expect(late.status).toBe(409);
    expect(await json(late)).toMatchObject({ code: 'lease_lost' });
    expect((await store.get(job.id))?.result).toEqual({ url: 'file:///big.mov', frames: 1000 });
  });

  it('fails a job it cannot do as not retryable', async () => {
    const { url, store, submit } = await server();
    const job = await submit({ url: 'file:///notes.txt' });
    startWorker(url, ['--once']);
    const failed = await waitForJob(store, job.id, (j) => j.status === 'failed');
    expect(failed.error).toEqual({ code: 'unsupported_format', message: 'only .mp4 and .mov' });
  });
});

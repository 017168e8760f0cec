/**
 * An external job (run by a worker over the worker protocol, docs/workers.md) looks to every
 * client surface exactly like a built-in one: the SDK follows it to its end over each transport
 * with the progress data the worker reported, and the CLI's `submit --watch --json` prints the
 * same snapshots. Real sockets: the SDK and the CLI are network clients.
 */
import { execFile } from 'node:child_process';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { createClient, TRANSPORTS, type Job } from '../src/client/index.js';
import { defineJobType } from '../src/jobs/job-type.js';
import { startTestServer } from './helpers/test-server.js';

const RENDER = defineJobType({
  name: 'render',
  description: 'Renders a report (run by an external worker)',
  execution: 'external',
  timeoutMs: 60_000,
  input: Type.Object({ pages: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
});

const WORKER_KEY = 'worker-secret-0123456789';
const BIN = new URL('../bin/backend-patterns.js', import.meta.url).pathname;

/** A worker in a few fetches: claims each render job, reports two steps, completes. */
async function workOnce(url: string): Promise<string> {
  const headers = { authorization: `Bearer ${WORKER_KEY}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    expect(response.status, path).toBe(200);
    return (await response.json()) as { job: Job; lease: { token: string } };
  };
  const { job, lease } = await post('/workers/claim', { types: ['render'], wait: 10 });
  const at = (path: string) => `/workers/jobs/${job.id}/${path}`;
  await post(at('progress'), { token: lease.token, progress: 50, data: { page: 1 } });
  await post(at('progress'), { token: lease.token, progress: 90, data: { page: 2 } });
  await post(at('complete'), { token: lease.token, result: { pdf: 'report.pdf' } });
  return job.id;
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (e, out) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out });
    });
  });
}

describe('an external job on the client surfaces', () => {
  it('is followed by the SDK over every transport like a built-in job', async () => {
    const { url } = await startTestServer({ workerKeys: `renderer:${WORKER_KEY}` }, [RENDER]);
    const client = createClient({ baseUrl: url });
    for (const transport of TRANSPORTS) {
      const job = await client.submit('render', { pages: 2 });
      const seen: Job[] = [];
      const watching = (async () => {
        for await (const snapshot of client.watch(job, { transport, pollIntervalMs: 20 })) {
          seen.push(snapshot);
        }
      })();
      expect(await workOnce(url)).toBe(job.id);
      await watching;
      const last = seen.at(-1);
      expect(last, transport).toMatchObject({
        type: 'render',
        status: 'succeeded',
        progress: 100,
        result: { pdf: 'report.pdf' },
      });
      // Push transports see every step the worker reported; polling may skip some.
      if (transport !== 'short-poll') {
        expect(
          seen.map((s) => s.progress).filter((p) => p === 50 || p === 90),
          transport,
        ).toEqual([50, 90]);
      }
      expect(await client.get(job.id)).toEqual(last);
    }
  });

  it('is watched by the CLI to its end, with the worker’s result', async () => {
    const { url } = await startTestServer({ workerKeys: `renderer:${WORKER_KEY}` }, [RENDER]);
    const watching = cli(
      ['submit', 'render', '--input', '{"pages":2}', '--watch', '--json', '--via', 'websocket'],
      { BACKEND_PATTERNS_URL: url },
    );
    const id = await workOnce(url);
    const run = await watching;
    expect(run.code).toBe(0);
    const snapshots = run.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Job);
    expect(snapshots.every((s) => s.id === id && s.type === 'render')).toBe(true);
    expect(snapshots.at(-1)).toMatchObject({ status: 'succeeded', result: { pdf: 'report.pdf' } });
  });
});

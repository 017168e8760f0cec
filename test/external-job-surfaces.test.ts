/**
 * An external job (run by a worker over the worker protocol, docs/workers.md) looks to every
 * client surface exactly like a built-in one: the SDK follows it to its end over each transport
 * with the progress data the worker reported, and the CLI's `submit --watch --json` prints the
 * same snapshots. Real sockets: the SDK and the CLI are network clients.
 */
import { describe, expect, it } from 'vitest';
import { createClient, TRANSPORTS, type Job } from '../src/client/index.js';
import { RENDER, WORKER_KEY, workOnce } from './helpers/external-worker.js';
import { runCli } from './helpers/cli-run.js';
import { startTestServer } from './helpers/test-server.js';

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
    const watching = runCli(
      ['submit', 'render', '--input', '{"pages":2}', '--watch', '--json', '--via', 'websocket'],
      { ...process.env, BACKEND_PATTERNS_URL: url },
    );
    const id = await workOnce(url);
    const run = await watching;
    expect(run.code).toBe(0);
    const snapshots = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Job);
    expect(snapshots.every((s) => s.id === id && s.type === 'render')).toBe(true);
    expect(snapshots.at(-1)).toMatchObject({ status: 'succeeded', result: { pdf: 'report.pdf' } });
  });
});

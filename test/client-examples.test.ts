/** docs/client.md's runnable examples run, against a real server, and say what they promise. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/test-server.js';

const run = promisify(execFile);
const example = (name: string) => new URL(`../demos/client/${name}`, import.meta.url).pathname;

describe('client examples', () => {
  it('watch-job.ts and compare-transports.ts follow a job to its end', async () => {
    const { url } = await startTestServer();
    const node = (file: string, args: string[]) =>
      run(process.execPath, ['--import', 'tsx', example(file), '--url', url, ...args]);
    const [watched, compared] = await Promise.all([
      node('watch-job.ts', ['--via', 'sse', '--step-ms', '20']),
      node('compare-transports.ts', ['--step-ms', '40', '--poll-ms', '20']),
    ]);
    expect(watched.stdout).toMatch(/^succeeded 100% \(seq 12\)\nvia sse: 1 requests, 11 changes,/m);
    for (const transport of ['short-poll', 'long-poll', 'sse', 'websocket']) {
      expect(compared.stdout).toMatch(new RegExp(`│ ${transport} +│ 'succeeded' │`));
    }
  });
});

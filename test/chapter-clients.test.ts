/**
 * The chapters' scripts as a learner runs them: `--help` prints the usage, a bad value or an
 * unknown option is one line and exit 2, no server is one line and exit 4 — never a stack
 * trace — and against a real server the clients follow their job to the end.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../demos/command-line.js';
import { CLIENT_OPTIONS } from '../demos/demo-client.js';
import { freePort } from './helpers/redis-server.js';
import { startTestServer } from './helpers/test-server.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function script(path: string, args: string[]): Promise<Run> {
  const file = new URL(`../demos/${path}`, import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file, ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const oneLine = (run: Run) => {
  expect(run.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  return run.stderr.trim();
};

describe('chapter scripts', () => {
  it('--help prints the usage and exits 0', async () => {
    const runs = await Promise.all([
      script('short-polling/client.ts', ['--help']),
      script('long-polling/client.ts', ['-h']),
      script('pub-sub/subscriber.ts', ['--help']),
      script('pub-sub/publisher.ts', ['--help']),
      script('pub-sub/index.ts', ['--help']),
      script('sse/index.ts', ['--help']),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Usage: npx tsx demos\/\S+ \[options\]\n/);
      expect(run.stdout).toContain('-h, --help');
    }
    const [short, , subscriber] = runs;
    expect(short.stdout).toMatch(/--interval <n> +ms between polls \(default 2000\)/);
    expect(subscriber.stdout).toContain('--credits <n>');
  });

  it('a bad value or an unknown option is one line naming it, exit 2', async () => {
    const [interval, unknown, wait, rate, url, port] = await Promise.all([
      script('short-polling/client.ts', ['--interval', 'abc']),
      script('short-polling/client.ts', ['--bogus']),
      script('long-polling/client.ts', ['--wait', '0']),
      script('pub-sub/publisher.ts', ['--rate', '1e3']),
      script('long-polling/client.ts', ['--url', 'localhost:8000']),
      script('short-polling/index.ts', ['--port', 'x']),
    ]);
    for (const run of [interval, unknown, wait, rate, url, port]) expect(run.code).toBe(2);
    expect(oneLine(interval)).toBe(
      'npx tsx demos/short-polling/client.ts: --interval: "abc" is not a whole number from 100 to 60000 (--help lists the options)',
    );
    expect(oneLine(unknown)).toContain("Unknown option '--bogus'");
    expect(oneLine(wait)).toContain('--wait: "0" is not a whole number from 1 to 600');
    expect(oneLine(rate)).toContain('--rate: "1e3" is not a whole number');
    expect(oneLine(url)).toContain('--url: "localhost:8000" is not a URL starting with http://');
    expect(oneLine(port)).toBe('short-polling: --port: "x" is not a whole number');
  });

  it('with no server: one line naming it and how to start one, exit 4', async () => {
    const port = await freePort();
    const [short, long, subscriber] = await Promise.all([
      script('short-polling/client.ts', ['--url', `http://127.0.0.1:${port}`]),
      script('long-polling/client.ts', ['--url', `http://127.0.0.1:${port}`]),
      script('pub-sub/subscriber.ts', ['--url', `ws://127.0.0.1:${port}/ws`]),
    ]);
    expect(short.code).toBe(4);
    expect(oneLine(short)).toBe(
      `cannot reach the server at http://127.0.0.1:${port} (ECONNREFUSED); start it with: npx tsx demos/short-polling/index.ts`,
    );
    expect(long.code).toBe(4);
    expect(oneLine(long)).toContain('start it with: npx tsx demos/long-polling/index.ts');
    expect(subscriber.code).toBe(4);
    expect(oneLine(subscriber)).toContain(`ws://127.0.0.1:${port}/ws (ECONNREFUSED)`);
  });

  it('against a server, the polling clients follow a job to its end', async () => {
    const { url } = await startTestServer();
    const [short, long] = await Promise.all([
      script('short-polling/client.ts', ['--url', url, '--step-ms', '30', '--interval', '100']),
      script('long-polling/client.ts', ['--url', url, '--step-ms', '30']),
    ]);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout).toMatch(/poll +\d+: succeeded 100%/);
    expect(long.code, long.stderr).toBe(0);
    expect(long.stdout).toMatch(/seq 12 succeeded 100%/);
  });

  it('parses integers strictly and keeps defaults', () => {
    const program = { command: 'x', summary: '', options: CLIENT_OPTIONS };
    expect(parseCommandLine(program, [])).toEqual({
      kind: 'values',
      values: { url: 'http://localhost:8000', 'step-ms': 3000 },
    });
    expect(parseCommandLine(program, ['--step-ms', '12.5']).kind).toBe('error');
    expect(parseCommandLine(program, ['--step-ms', ' 500 '])).toMatchObject({
      values: { 'step-ms': 500 },
    });
    expect(parseCommandLine(program, ['--url', 'http://h:1/'])).toMatchObject({
      values: { url: 'http://h:1' },
    });
  });
});

/**
 * The client commands end to end: the real CLI in a child process against a real server, its
 * output (JSON and text) and its exit codes.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Job, JobPage } from '../src/client/index.js';
import { freePort } from './helpers/redis-server.js';
import { runCli, type CliRun } from './helpers/cli-run.js';
import { startTestServer } from './helpers/test-server.js';

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { ...process.env, ...env });

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Job);

describe('backend-patterns client commands', () => {
  it('submit --watch --json follows a job to its end over each transport (exit 0)', async () => {
    const { url } = await startTestServer();
    const vias = ['short-poll', 'long-poll', 'sse', 'websocket', 'auto'];
    const runs = await Promise.all(
      vias.map((via) =>
        cli(['submit', 'demo', '--input', '{"stepMs":50}', '--watch', '--json', '--via', via], {
          BACKEND_PATTERNS_URL: url,
        }),
      ),
    );
    for (const [index, run] of runs.entries()) {
      expect(run.code, `${vias[index] ?? ''}: ${run.stderr}`).toBe(0);
      const snapshots = lines(run.stdout);
      const seqs = snapshots.map((job) => job.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      expect(snapshots[0]?.status).toBe('queued');
      expect(snapshots.at(-1)).toMatchObject({ status: 'succeeded', progress: 100, seq: 12 });
    }
  });

  it('sends an API key with --token (or BACKEND_PATTERNS_TOKEN); without one the server refuses (exit 3)', async () => {
    const key = 'alice-secret-0123456789';
    const { url } = await startTestServer({ apiKeys: `alice:${key}` });
    const args = [
      'submit',
      'demo',
      '--input',
      '{"stepMs":10}',
      '--watch',
      '--json',
      '--via',
      'sse',
    ];
    const withKey = await cli([...args, '--token', key], { BACKEND_PATTERNS_URL: url });
    expect(withKey.code, withKey.stderr).toBe(0);
    expect(lines(withKey.stdout).at(-1)).toMatchObject({ status: 'succeeded' });
    const fromEnv = await cli(['list', '--json'], {
      BACKEND_PATTERNS_URL: url,
      BACKEND_PATTERNS_TOKEN: key,
    });
    expect(fromEnv.code).toBe(0);
    const refused = await cli(['list', '--json'], { BACKEND_PATTERNS_URL: url });
    expect(refused.code).toBe(3);
    expect(refused.stdout + refused.stderr).toContain('unauthorized');
  });

  it('submits with --attempts, --backoff, --priority, --delay and --keep-for', async () => {
    const { url } = await startTestServer();
    const run = await cli([
      'submit',
      'demo',
      '--attempts',
      '3',
      '--backoff',
      'fixed:250',
      '--priority',
      '-4',
      '--delay',
      '60000',
      '--keep-for',
      '2h',
      '--json',
      '--url',
      url,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout) as Job;
    expect(job).toMatchObject({
      status: 'queued',
      maxAttempts: 3,
      backoff: { type: 'fixed', delayMs: 250 },
      priority: -4,
      keepFor: 2 * 3_600_000,
    });
    expect(job.runAt).toBeDefined();
    const bad = await cli(['submit', 'demo', '--backoff', 'linear:5', '--url', url]);
    expect(bad.code).toBe(2);
    const badKeep = await cli(['submit', 'demo', '--keep-for', 'a while', '--url', url]);
    expect(badKeep.code).toBe(2);
  });

  it('exits 1 for a failed job, 3 for a refused request, 4 when no server answers, 2 for bad usage', async () => {
    const { url } = await startTestServer();
    const [failed, refused, missing, unreachable, badVia, badInput] = await Promise.all([
      cli(['submit', 'hash-file', '--input', '{"path":"nope.txt"}', '--watch', '--url', url]),
      cli(['submit', 'demo', '--input', '{"stepMs":1}', '--json', '--url', url]),
      cli(['status', '3f1c2a9e-8b7d-4c1e-9f2a-5b6c7d8e9f01', '--url', url]),
      cli(['list', '--url', `http://127.0.0.1:${await freePort()}`]),
      cli(['submit', 'demo', '--watch', '--via', 'carrier-pigeon', '--url', url]),
      cli(['submit', 'demo', '--input', '{oops', '--url', url]),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^failed after .*\nerror: file_not_found: /m);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      error: { code: 'invalid_input', status: 400 },
    });
    expect(missing).toMatchObject({ code: 3, stdout: '' });
    expect(missing.stderr).toContain('job_not_found');
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain('network_error');
    expect(badVia.code).toBe(2);
    expect(badVia.stderr).toContain('Allowed choices are short-poll, long-poll, sse, websocket');
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toContain('not valid JSON');
  });

  it('status, cancel and list print JSON with --json and text without', async () => {
    const { url } = await startTestServer();
    const submitted = await cli(['submit', 'demo', '--json', '--url', url]);
    const job = JSON.parse(submitted.stdout) as Job;
    const [status, cancel] = await Promise.all([
      cli(['status', job.id, '--url', url]),
      cli(['cancel', job.id, '--json', '--url', url]),
    ]);
    expect(status.stdout).toMatch(new RegExp(`^id +${job.id}\\ntype +demo\\n`));
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id: job.id, status: 'canceled' });
    const [listed, table] = await Promise.all([
      cli(['list', '--status', 'canceled', '--json', '--url', url]),
      cli(['list', '--url', url]),
    ]);
    expect((JSON.parse(listed.stdout) as JobPage).jobs.map((j) => j.id)).toEqual([job.id]);
    expect(table.stdout).toMatch(
      new RegExp(`^ID +TYPE +STATUS +PROGRESS +UPDATED\\n${job.id} +demo +canceled`),
    );
  });

  it('--help describes every client command and its options', async () => {
    const helps = await Promise.all(
      ['submit', 'status', 'cancel', 'list'].map((command) => cli([command, '--help'])),
    );
    for (const help of helps) {
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--url <url>');
      expect(help.stdout).toMatch(/env:\s+BACKEND_PATTERNS_URL/);
      expect(help.stdout).toContain('--json');
    }
    expect(helps[0]?.stdout).toMatch(/--watch[\s\S]*--via <transport>/);
    const top = await cli(['--help']);
    for (const command of ['serve', 'worker', 'demo', 'submit', 'status', 'cancel', 'list']) {
      expect(top.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('from a clone (npm run -s cli): submit --watch names the job at once; Ctrl-C says how to find it again', async () => {
    const { url } = await startTestServer();
    const root = new URL('..', import.meta.url).pathname;
    const args = ['run', '-s', 'cli', '--', 'submit', 'demo', '--input', '{"stepMs":60000}'];
    const child = spawn('npm', [...args, '--watch', '--url', url], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid ?? 0;
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-pid, 'SIGKILL');
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    const id = /^job ([0-9a-f-]{36})$/.exec(first)?.[1] ?? '';
    expect(first).toBe(`job ${id}`); // before any progress, while the job runs for minutes
    const [second] = (await once(lines, 'line')) as [string];
    expect(second).toMatch(/^(queued|running) /);

    const exited = once(child, 'exit');
    process.kill(-pid, 'SIGINT'); // a terminal's Ctrl-C reaches npm and the CLI alike
    await exited;
    expect(stderr).toContain(`stopped watching; the job goes on: npm run -s cli -- status ${id}`);

    // That command, as printed, shows the job (npm's own echo of the command line, which masks
    // anything shaped like a UUID as ***, is what -s leaves out).
    const status = await new Promise<CliRun>((resolve) => {
      execFile(
        'npm',
        ['run', '-s', 'cli', '--', 'status', id, '--url', url],
        { cwd: root },
        (error, stdout, err) => {
          resolve({ code: error ? 1 : 0, stdout, stderr: err });
        },
      );
    });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^id +${id}\\n`));
    expect(status.stdout).not.toContain('***');
  }, 60_000);
});

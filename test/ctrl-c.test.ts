/**
 * One Ctrl-C, as a terminal sends it: SIGINT to the whole process group of `npm start` and of
 * the chapter launchers (`npx tsx demos/<chapter>/index.ts`), wrappers included. The wrappers
 * relay the signal to the server a few milliseconds later; the server must still shut down
 * once, gracefully: the running job handed back once (and run again at the next start), not
 * cut off by a "second signal".
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { tempDir } from './helpers/temp-dir.js';
import { startTestServer } from './helpers/test-server.js';

const ROOT = new URL('..', import.meta.url).pathname;

interface Run {
  pid: number;
  exited: Promise<unknown[]>;
  lines: string[];
  store: string;
  job: Job;
}

/** Starts `command` in a process group of its own; resolves once a job of it is running. */
async function withRunningJob(
  command: string[],
  dataDir: string,
  shutdownTimeout = '1500ms',
): Promise<Run> {
  const [file = '', ...args] = command;
  const child = spawn(file, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      SHUTDOWN_TIMEOUT: shutdownTimeout,
    },
  });
  const pid = child.pid ?? 0;
  // 'close', not 'exit': the process can exit before its last lines ('server closed') have
  // been read from the pipe.
  const exited = once(child, 'close');
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-pid, 'SIGKILL');
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const listening = () => lines.find((line) => line.includes('"event":"listening"'));
  await expect
    .poll(() => listening() ?? stderr, { timeout: 30_000, interval: 50 })
    .toMatch(/"event":"listening"/);
  const { url, store } = JSON.parse(listening() ?? '') as { url: string; store: string };

  const job = await json<Job>(
    await postJson(`${url}/jobs`, { type: 'demo', input: { stepMs: 60_000 } }),
  );
  await expect
    .poll(async () => (await json<Job>(await fetch(`${url}/jobs/${job.id}`))).status)
    .toBe('running');
  return { pid, exited, lines, store, job };
}

/** One Ctrl-C at a terminal: SIGINT to every process of the group. */
async function interruptOnce(command: string[], dataDir: string): Promise<Run> {
  const run = await withRunningJob(command, dataDir);
  process.kill(-run.pid, 'SIGINT');
  await run.exited;
  return run;
}

/** Started again on the same file, where an interrupted job would fail as `interrupted`. */
async function jobAfterRestart(run: Run): Promise<Job> {
  const restarted = await startTestServer({ db: run.store, recovery: 'fail' });
  return json<Job>(await fetch(`${restarted.url}/jobs/${run.job.id}`));
}

const messages = (lines: string[]) =>
  lines
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);

describe('one Ctrl-C to the process group', () => {
  it('npm start and the chapter launchers shut down once, gracefully, handing the job back once', async () => {
    const commands = {
      'npm start': ['npm', 'start', '--', '--port', '0'],
      'sse launcher': ['npx', 'tsx', 'demos/sse/index.ts', '--port', '0'],
      'push launcher': ['npx', 'tsx', 'demos/push/index.ts', '--port', '0'],
    };
    const runs = await Promise.all(
      Object.values(commands).map((command) => interruptOnce(command, tempDir())),
    );
    for (const [index, run] of runs.entries()) {
      const said = messages(run.lines);
      // What the process said, in every failure's message: a missing line needs its neighbours.
      const name = `${Object.keys(commands)[index] ?? ''} said ${JSON.stringify(said)}`;
      expect(
        said.filter((msg) => msg === 'shutting down'),
        name,
      ).toHaveLength(1);
      expect(said, name).not.toContain('second signal: exiting now');
      expect(said, name).toContain('server closed');

      // Handed back at shutdown, so it simply runs again.
      expect(await jobAfterRestart(run), name).toMatchObject({ status: 'running', attempt: 2 });
    }
    // Each chapter has a database of its own.
    expect(runs.map((run) => run.store.split('/').at(-1))).toEqual([
      'jobs.db',
      'sse.db',
      'push.db',
    ]);
  }, 90_000);

  it('the server takes a copy relayed 30 ms later as the same Ctrl-C, and exits at once on one 1.5 s later', async () => {
    // No wrapper here: the test itself plays the terminal and tsx's relay, on a fixed schedule.
    const launcher = [process.execPath, '--import', 'tsx', 'demos/short-polling/index.ts'];
    const [relayed, deliberate] = await Promise.all([
      withRunningJob([...launcher, '--port', '0'], tempDir()),
      // Still waiting for the job to finish when the second Ctrl-C comes.
      withRunningJob([...launcher, '--port', '0'], tempDir(), '20s'),
    ]);
    process.kill(relayed.pid, 'SIGINT');
    process.kill(deliberate.pid, 'SIGINT');
    await sleep(30);
    process.kill(relayed.pid, 'SIGINT');
    await sleep(1500);
    process.kill(deliberate.pid, 'SIGINT');
    const [[relayedCode], [deliberateCode]] = await Promise.all([
      relayed.exited,
      deliberate.exited,
    ]);
    expect(relayedCode).toBe(0);
    expect(messages(relayed.lines)).toContain('server closed');
    expect(await jobAfterRestart(relayed)).toMatchObject({ status: 'running', attempt: 2 });
    expect(deliberateCode).toBe(130);
    expect(messages(deliberate.lines)).toContain('second signal: exiting now');
  }, 60_000);
});

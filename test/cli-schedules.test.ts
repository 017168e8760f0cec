/**
 * `backend-patterns schedules …` end to end: the real CLI (dist/, so `npm run build` first) in
 * a child process against a real server — JSON and text output, and the exit codes of a
 * refusal (3), bad usage (2) and a server that is not there (4).
 */
import { describe, expect, it } from 'vitest';
import type { Schedule, SchedulePage } from '../src/client/index.js';
import { runCli } from './helpers/cli-run.js';
import { startTestServer } from './helpers/test-server.js';

const cli = (url: string, args: string[]) =>
  runCli(['schedules', ...args], { ...process.env, BACKEND_PATTERNS_URL: url });

describe('backend-patterns schedules', () => {
  it('creates, lists, gets, pauses, resumes and deletes schedules', async () => {
    const { url } = await startTestServer();
    const created = await cli(url, [
      'create',
      'demo',
      '--cron',
      '0 9 * * 1-5',
      '--timezone',
      'Europe/Berlin',
      '--input',
      '{"stepMs":20}',
      '--attempts',
      '3',
      '--backoff',
      'exponential:1000:60000',
      '--priority',
      '7',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const schedule = JSON.parse(created.stdout) as Schedule;
    expect(schedule).toMatchObject({
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      type: 'demo',
      input: { stepMs: 20 },
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 1000, maxDelayMs: 60_000 },
      priority: 7,
      paused: false,
    });

    const text = await cli(url, [
      'create',
      'primes',
      '--cron',
      '*/10 * * * * *',
      '--input',
      '{"n":100}',
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^id {7}[0-9a-f-]{36}\ncron {5}\*\/10 \* \* \* \* \* \(UTC\)\ntype {5}primes\ninput {4}\{"n":100\}\nstate {4}active\nnext run \S+Z\ncreated {2}\S+Z\nupdated {2}\S+Z\n$/,
    );

    const listed = await cli(url, ['list', '--json', '--limit', '1']);
    const page = JSON.parse(listed.stdout) as SchedulePage;
    expect(page.schedules).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const table = await cli(url, ['list']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +CRON +ZONE +TYPE +STATE +NEXT RUN +LAST JOB$/);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      new RegExp(`^${schedule.id}  0 9 \\* \\* 1-5 +Europe/Berlin +demo +active +\\S+Z +–$`),
    );

    const paused = await cli(url, ['pause', schedule.id]);
    expect(paused.stdout).toBe(`paused ${schedule.id}\n`);
    const got = await cli(url, ['get', schedule.id]);
    expect(got.stdout).toContain('state    paused\nnext run –\n');
    expect(got.stdout).toContain('backoff  exponential 1000 ms, at most 60000 ms\npriority 7\n');
    const resumed = await cli(url, ['resume', schedule.id, '--json']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      paused: false,
      nextRunAt: schedule.nextRunAt,
    });

    const deleted = await cli(url, ['delete', schedule.id]);
    expect(deleted.stdout).toBe(`deleted ${schedule.id}\n`);
    const missing = await cli(url, ['get', schedule.id]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(
      `backend-patterns: schedule_not_found: no schedule has id ${schedule.id}\n`,
    );
    const missingJson = await cli(url, ['pause', schedule.id, '--json']);
    expect(missingJson.code).toBe(3);
    expect(JSON.parse(missingJson.stdout)).toMatchObject({
      error: { code: 'schedule_not_found', status: 404 },
    });
  });

  it('exits 3 with the code the server refuses with, 2 on bad usage, 4 with no server', async () => {
    const { url } = await startTestServer();
    const badCron = await cli(url, ['create', 'demo', '--cron', 'every day']);
    expect(badCron.code).toBe(3);
    expect(badCron.stderr).toMatch(/^backend-patterns: invalid_cron: /);
    const badInput = await cli(url, [
      'create',
      'demo',
      '--cron',
      '* * * * *',
      '--input',
      '{"stepMs":"x"}',
    ]);
    expect(badInput.code).toBe(3);
    expect(badInput.stderr).toContain('invalid_input');
    for (const args of [
      ['create', 'demo'], // --cron is required
      ['create', 'demo', '--cron', '* * * * *', '--input', '{nope'],
      ['create', 'demo', '--cron', '* * * * *', '--backoff', 'linear:5'],
      ['list', '--limit', '500'],
    ]) {
      const usage = await cli(url, args);
      expect(usage.code, args.join(' ')).toBe(2);
    }
    expect((await cli(url, ['list', '--json'])).stdout).toBe(
      '{"schedules":[],"nextCursor":null}\n',
    );
    const down = await cli('http://127.0.0.1:9', ['list']);
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/^backend-patterns: network_error: /);
  });

  it('prints help with examples', async () => {
    const help = await cli('http://127.0.0.1:9', ['--help']);
    expect(help.code).toBe(0);
    for (const command of ['create', 'list', 'get', 'pause', 'resume', 'delete']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(help.stdout).toContain("schedules create demo --cron '*/5 * * * *'");
  });
});

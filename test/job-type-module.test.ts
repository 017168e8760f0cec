/**
 * --job-types: which exports of a module become job types, what a server does with them, and
 * the one start-up line (exit code 2) for every way a module can be unusable.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadJobTypeModule } from '../src/jobs/job-type-module.js';
import { builtInJobTypes } from '../src/jobs/types/built-in.js';
import { createServer } from '../src/server.js';
import { OptionsError } from '../src/model/errors/options-error.js';
import { tempDir } from './helpers/temp-dir.js';
import { checkedInject } from './helpers/contract/checked-inject.js';

const run = promisify(execFile);
const fixture = (name: string) =>
  new URL(`./fixtures/job-type-modules/${name}`, import.meta.url).pathname;
const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

describe('loading a module of job types', () => {
  it('takes the named exports that are job types and leaves the rest', async () => {
    const types = await loadJobTypeModule(fixture('named.js'));
    expect(types.map((type) => type.name)).toEqual(['echo', 'shout']);
  });

  it('takes a job type exported both by default and by name once', async () => {
    const types = await loadJobTypeModule(fixture('default-and-named.js'));
    expect(types.map((type) => type.name)).toEqual(['echo']);
  });

  it.each([
    ['missing.js', 'no such file'],
    ['throws.js', 'importing it threw Error: ACME_TOKEN is not set'],
    ['nothing.js', 'exports no job types: export default defineJobType({...})'],
    [
      'not-a-job-type.js',
      'the default export: is not a job type object (make it with defineJobType)',
    ],
    [
      'invalid.js',
      'default export [0]: job type "slow": timeoutMs must be a whole number of milliseconds',
    ],
    ['taken-name.js', 'the default export: job type "demo" is already registered'],
    ['missing-task.js', 'the default export: job type "crunch": its task module /'],
  ])('refuses %s with the file and the reason', async (file, reason) => {
    const loading = loadJobTypeModule(fixture(file), builtInJobTypes(tempDir()));
    await expect(loading).rejects.toBeInstanceOf(OptionsError);
    await expect(loading).rejects.toThrow(`--job-types (JOB_TYPES) ${fixture(file)}: ${reason}`);
  });

  it('refuses a name taken by another export of the same module', async () => {
    const echo = (await loadJobTypeModule(fixture('named.js')))[0];
    const loading = loadJobTypeModule(fixture('default-and-named.js'), echo ? [echo] : []);
    await expect(loading).rejects.toThrow('job type "echo" is already registered');
  });
});

describe('a server with --job-types', () => {
  it('lists, validates and runs the module’s job types beside the built-in ones', async () => {
    const server = await createServer(
      { db: ':memory:', dataDir: tempDir(), jobTypes: fixture('named.js') },
      { logger: pino({ level: 'silent' }) },
    );
    onTestFinished(() => server.close());
    const inject = checkedInject(server.app);
    const types = (await inject('/job-types')).json<{ name: string }[]>();
    expect(types.map((type) => type.name)).toEqual([
      'demo',
      'hash-file',
      'primes',
      'echo',
      'shout',
    ]);
    const submitted = await inject({
      method: 'POST',
      url: '/jobs',
      payload: { type: 'shout', input: { text: 'hi' } },
    });
    expect(submitted.statusCode).toBe(202);
    const { id } = submitted.json<{ id: string }>();
    await expect
      .poll(async () => (await inject(`/jobs/${id}`)).json<{ result?: unknown }>())
      .toMatchObject({ status: 'succeeded', result: { text: 'hi' } });
  });
});

describe('the CLI with a module it cannot load', () => {
  it.each([
    ['serve', '--job-types'],
    ['worker', '--job-types'],
    ['serve', 'JOB_TYPES'],
  ])('%s %s: one line naming the file and the reason, exit code 2', async (command, via) => {
    const file = fixture('throws.js');
    const args = [CLI, command, ...(via === 'JOB_TYPES' ? [] : [via, file])];
    if (command === 'worker') args.push('--redis', 'redis://127.0.0.1:1');
    const failure = await run(process.execPath, ['--import', 'tsx', ...args], {
      env: { ...process.env, ...(via === 'JOB_TYPES' ? { JOB_TYPES: file } : {}) },
    }).catch((error: unknown) => error as { code: number; stdout: string; stderr: string });
    expect(failure).toMatchObject({ code: 2 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toBe(
      `backend-patterns: --job-types (JOB_TYPES) ${file}: importing it threw Error: ACME_TOKEN is not set\n`,
    );
  });
});

/**
 * Case 8 — path confinement. Thousands of generated paths for `hash-file` (`..`, absolute
 * paths, encoded and look-alike dots, NUL, backslashes, long paths, symlinks inside the data
 * directory that lead out, loops, a FIFO) are checked where the server checks them: at the API
 * (submit, then the job runs) and at open time (openConfined, as the worker calls it). A
 * second property runs while symlinks and a directory are swapped underneath. What must hold:
 * nothing outside the data directory is ever read — no opened descriptor resolves outside it,
 * no job result is the hash of a file outside it — and every refusal is a catalogue code.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, JOB_FAILURE_CATALOGUE } from '../../src/model/errors/catalogue.js';
import { isInside, openConfined } from '../../src/jobs/data-dir-path.js';
import { JobFailure } from '../../src/model/errors/job-failure.js';
import type { Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { startTestServer } from '../helpers/test-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitForJob, isFinished } from '../helpers/wait-for-job.js';
import { count, figure } from './helpers/figures.js';
import { sized } from './helpers/size.js';

const RUNS = sized(5000, 1000);
const RACE_RUNS = sized(1500, 300);

interface Layout {
  root: string;
  dataDir: string;
  outside: string;
  /** SHA-256 of every file outside the data directory. */
  secrets: Set<string>;
}

/** A data directory full of traps, and an outside directory whose files must never be read. */
function layout(): Layout {
  const root = tempDir('bp-confine-');
  const dataDir = join(root, 'data');
  const outside = join(root, 'outside');
  const secrets = new Set<string>();
  const secret = (path: string) => {
    const content = randomBytes(4096);
    writeFileSync(path, content);
    secrets.add(createHash('sha256').update(content).digest('hex'));
  };
  for (const dir of ['sub/deeper', 'sub2', 'swap.real'])
    mkdirSync(join(dataDir, dir), { recursive: true });
  mkdirSync(join(outside, 'dir'), { recursive: true });
  secret(join(outside, 'secret.txt'));
  secret(join(outside, 'dir', 'f.txt'));
  writeFileSync(join(dataDir, 'a.txt'), 'inside a');
  writeFileSync(join(dataDir, 'sub', 'b.txt'), 'inside b');
  writeFileSync(join(dataDir, 'sub', 'deeper', 'c.txt'), 'inside c');
  writeFileSync(join(dataDir, 'sub2', 'f.txt'), 'inside f');
  writeFileSync(join(dataDir, 'swap.real', 'f.txt'), 'inside swap');
  writeFileSync(join(dataDir, '..%2fsecret.txt'), 'a literal name');
  const link = (target: string, name: string) => {
    symlinkSync(target, join(dataDir, name));
  };
  link('../outside/secret.txt', 'link-out');
  link(join(outside, 'secret.txt'), 'link-abs');
  link('../outside', 'linkdir-out');
  link('a.txt', 'link-in');
  link('sub', 'linkdir-in');
  link('link-out', 'chain');
  link('loop2', 'loop1');
  link('loop1', 'loop2');
  link('a.txt', 'flip');
  link('sub2', 'flipdir');
  link('/proc/self/root/etc/hostname', 'link-proc');
  link(outside, 'swap.link');
  renameSync(join(dataDir, 'swap.real'), join(dataDir, 'swap'));
  // A FIFO: opening one for reading waits for a writer, which never comes.
  execFileSync('mkfifo', [join(dataDir, 'fifo')]);
  return { root, dataDir, outside, secrets };
}

const SEGMENTS = [
  'a.txt',
  'sub',
  'b.txt',
  'deeper',
  'c.txt',
  'sub2',
  'f.txt',
  'link-out',
  'link-abs',
  'linkdir-out',
  'link-in',
  'linkdir-in',
  'chain',
  'loop1',
  'flip',
  'flipdir',
  'swap',
  'link-proc',
  'fifo',
  'secret.txt',
  'outside',
  'data',
  'dir',
  '..',
  '.',
  '',
  '...',
  '%2e%2e',
  '%2e',
  '.%2e',
  '%2e.',
  '..%2f',
  '..%2fsecret.txt',
  '%2e%2e%2f',
  '..\\',
  '‥',
  '．．',
  '．',
  '\u002e\u002e',
  '~',
  '$HOME',
  '*',
  '?',
  'a.txt\0',
  '\0',
];

function pathArbitrary(layoutOf: Layout): fc.Arbitrary<string> {
  const segment = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...SEGMENTS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  );
  const separator = fc.constantFrom('/', '/', '/', '//', '\\', '/./');
  const prefix = fc.constantFrom(
    '',
    '',
    '',
    '',
    './',
    '../',
    '/',
    '//',
    `${layoutOf.dataDir}/`,
    `${layoutOf.outside}/`,
    `${layoutOf.root}/data/../outside/`,
    'file://',
    '\\\\',
    'C:\\',
  );
  const joined = fc
    .tuple(prefix, fc.array(fc.tuple(segment, separator), { minLength: 1, maxLength: 6 }))
    .map(([start, parts]) => start + parts.map(([s, sep], i) => (i === 0 ? s : sep + s)).join(''));
  const long = fc
    .tuple(fc.integer({ min: 1000, max: 2500 }), fc.constantFrom('a/', '../', './'))
    .map(([n, unit]) => `${unit.repeat(n)}a.txt`);
  // Paths a legitimate client would send, bent a little: the ones closest to being allowed.
  const near = fc
    .tuple(
      fc.constantFrom(...INSIDE),
      fc.constantFrom('', '', '', '/', '/.', '/..', '/../a.txt', '\0', '%00', ' ', '/b.txt'),
      fc.constantFrom('', '', '', './', 'sub/../', 'sub/../../', 'linkdir-in/../', 'flipdir/../'),
    )
    .map(([path, suffix, start]) => start + path + suffix);
  return fc.oneof(
    { weight: 10, arbitrary: joined },
    { weight: 10, arbitrary: near },
    { weight: 1, arbitrary: long },
  );
}

/** Files a client may hash, by a plain path or through a symlink that stays inside. */
const INSIDE = [
  'a.txt',
  'sub/b.txt',
  'sub/deeper/c.txt',
  'sub2/f.txt',
  'link-in',
  'linkdir-in/b.txt',
  'linkdir-in/deeper/c.txt',
  './a.txt',
  'sub/../a.txt',
  'sub//b.txt',
  'flip',
  'flipdir/f.txt',
  'swap/f.txt',
  '..%2fsecret.txt',
];

const REFUSAL_CODES = new Set(['path_not_allowed', 'file_not_found', 'not_a_file']);

/** Opens `path` as the hash worker does; whatever opens must be a file inside and not a secret. */
async function checkOpen(lay: Layout, path: string, tally: Map<string, number>): Promise<void> {
  const bump = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
  let opened;
  try {
    opened = await openConfined(lay.dataDir, path);
  } catch (error) {
    expect(error).toBeInstanceOf(JobFailure);
    const code = (error as JobFailure).code;
    expect(REFUSAL_CODES, String(error)).toContain(code);
    bump(code);
    return;
  }
  try {
    const real = readlinkSync(`/proc/self/fd/${opened.handle.fd}`);
    expect(isInside(lay.dataDir, real), `${JSON.stringify(path)} opened ${real}`).toBe(true);
    const content = await opened.handle.readFile();
    expect(lay.secrets.has(createHash('sha256').update(content).digest('hex'))).toBe(false);
    bump('opened inside');
  } finally {
    await opened.handle.close();
  }
}

describe('torture 8: path confinement', () => {
  it(`${count(RUNS)} generated paths: nothing outside the data directory is opened at open time or read by a job; refusals are catalogue codes`, async () => {
    const lay = layout();
    const { url, server } = await startTestServer({ dataDir: lay.dataDir, concurrency: 8 });
    const openTally = new Map<string, number>();
    const apiTally = new Map<string, number>();
    const bump = (key: string) => apiTally.set(key, (apiTally.get(key) ?? 0) + 1);
    const accepted: string[] = [];
    await fc.assert(
      fc.asyncProperty(pathArbitrary(lay), async (path) => {
        await checkOpen(lay, path, openTally);
        const response = await postJson(`${url}/jobs`, { type: 'hash-file', input: { path } });
        const body = await json<Partial<Job> & { code?: string }>(response);
        if (response.status === 202 && body.id !== undefined) {
          accepted.push(body.id);
          return;
        }
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(['path_not_allowed', 'invalid_input']).toContain(body.code);
        bump(`refused at submit: ${body.code ?? ''}`);
      }),
      { numRuns: RUNS },
    );
    for (const id of accepted) {
      const job = await waitForJob(server.store, id, isFinished, 60_000);
      if (job.status === 'succeeded') {
        const { sha256 } = job.result as { sha256: string };
        expect(lay.secrets.has(sha256), `job ${id} read ${JSON.stringify(job.input)}`).toBe(false);
        bump('job hashed a file inside');
      } else {
        expect(job.status).toBe('failed');
        expect(Object.keys(JOB_FAILURE_CATALOGUE)).toContain(job.error?.code);
        expect(REFUSAL_CODES).toContain(job.error?.code);
        bump(`job failed: ${job.error?.code ?? ''}`);
      }
    }
    expect(Object.keys(ERROR_CATALOGUE)).toContain('path_not_allowed');
    figure(
      `path confinement: ${count(RUNS)} generated paths, 0 reads outside the data directory; ` +
        `at open time ${describeTally(openTally)}; through the API ${describeTally(apiTally)}`,
    );
  });

  it(`${count(RACE_RUNS)} opens and jobs while symlinks and a directory are swapped between inside and outside targets: nothing outside is read`, async () => {
    const lay = layout();
    const { url, server } = await startTestServer({ dataDir: lay.dataDir, concurrency: 8 });
    const swapper = startSwapping(lay);
    const openTally = new Map<string, number>();
    const jobTally = new Map<string, number>();
    const ids: string[] = [];
    const racy = ['flip', 'flipdir/f.txt', 'swap/f.txt', 'swap/secret.txt'];
    try {
      for (let i = 0; i < RACE_RUNS; i++) {
        const path = racy[i % racy.length] ?? 'flip';
        await checkOpen(lay, path, openTally);
        const response = await postJson(`${url}/jobs`, { type: 'hash-file', input: { path } });
        const body = await json<Partial<Job> & { code?: string }>(response);
        if (response.status === 202 && body.id !== undefined) ids.push(body.id);
        else expect(body.code).toBe('path_not_allowed');
      }
      for (const id of ids) {
        const job = await waitForJob(server.store, id, isFinished, 60_000);
        const key = job.status === 'succeeded' ? 'hashed inside' : (job.error?.code ?? '');
        if (job.status === 'succeeded') {
          expect(lay.secrets.has((job.result as { sha256: string }).sha256)).toBe(false);
        } else expect(REFUSAL_CODES).toContain(job.error?.code);
        jobTally.set(key, (jobTally.get(key) ?? 0) + 1);
      }
    } finally {
      await swapper.stop();
    }
    figure(
      `path confinement under swaps: ${count(RACE_RUNS)} opens and ${count(ids.length)} jobs ` +
        `during ${count(swapper.swaps())} swaps, 0 reads outside; at open time ` +
        `${describeTally(openTally)}; jobs ${describeTally(jobTally)}`,
    );
  });
});

/**
 * Swaps, about every millisecond: `flip` between a file inside and one outside, `flipdir`
 * between a directory inside and one outside (both atomically, by renaming a new symlink over
 * the old), and `swap` between a real directory and a symlink leading out.
 */
function startSwapping(lay: Layout): { stop(): Promise<void>; swaps(): number } {
  const at = (name: string) => join(lay.dataDir, name);
  let swaps = 0;
  const relink = (name: string, target: string) => {
    const temp = at(`${name}.tmp`);
    rmSync(temp, { force: true });
    symlinkSync(target, temp);
    renameSync(temp, at(name));
  };
  const timer = setInterval(() => {
    const odd = swaps % 2 === 1;
    relink('flip', odd ? 'a.txt' : '../outside/secret.txt');
    relink('flipdir', odd ? 'sub2' : '../outside/dir');
    // A real directory and a symlink cannot replace each other in one rename: move one away,
    // the other in (for a moment there is no `swap` at all).
    renameSync(at('swap'), at(odd ? 'swap.link' : 'swap.real'));
    renameSync(at(odd ? 'swap.real' : 'swap.link'), at('swap'));
    swaps++;
  }, 1);
  return {
    swaps: () => swaps,
    stop: () => {
      clearInterval(timer);
      return Promise.resolve();
    },
  };
}

function describeTally(tally: Map<string, number>): string {
  return [...tally.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${count(n)}`)
    .join(', ');
}

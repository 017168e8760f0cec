/**
 * The package as its users get it (npm run test:package; CI runs it): packed from a clean copy
 * of the clone, installed into a fresh project, and used there without tsx — the bin, the API,
 * the SDK, a module of job types compiled against the package's declarations.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { cleanEnv, packAndInstall, type PackedPackage } from './packed-package.js';

const run = promisify(execFile);

let packed: PackedPackage;

beforeAll(async () => {
  packed = await packAndInstall();
  const { size, unpackedSize, files, timings } = packed;
  console.log(
    `package: ${files.length} files, ${(size / 1024).toFixed(0)} KiB packed, ` +
      `${(unpackedSize / 1024).toFixed(0)} KiB unpacked; pack ${timings.pack.toFixed(1)} s, ` +
      `install ${timings.install.toFixed(1)} s, typecheck ${timings.typecheck.toFixed(1)} s`,
  );
}, 360_000);

afterAll(() => {
  // Unset when packing failed.
  const dir = (packed as PackedPackage | undefined)?.dir;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const bin = () => join(packed.project, 'node_modules/.bin/backend-patterns');
const cli = (args: string[]) =>
  run(process.execPath, [bin(), ...args], { cwd: packed.project, env: cleanEnv() });

/** What the server reads from web/ and demos/ (the dashboard and the chapters' pages). */
const PAGES = [
  'web/index.html',
  'web/dashboard.css',
  'web/dist/dashboard.js',
  'demos/push/index.html',
  'demos/sse/index.html',
  'demos/sse/page.js',
];

describe('the packed tarball', () => {
  it('holds what exports, types and bin name, the pages the server serves, and no sources', async () => {
    const paths = packed.files.map((file) => file.path);
    const manifestPath = join(packed.project, 'node_modules/backend-patterns/package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      bin: Record<string, string>;
      types: string;
      exports: object;
    };
    const named = [
      ...Object.values(manifest.bin),
      manifest.types,
      ...targets(manifest.exports),
    ].map((path) => path.replace(/^\.\//, ''));
    for (const path of [...named, ...PAGES]) expect(paths, path).toContain(path);
    // Besides those: the compiled modules with their declarations, the docs, and nothing else
    // (no src/, test/, source maps, build stamp).
    const allowed =
      /^(package\.json|README\.md|bin\/[\w-]+\.js|dist\/.+\.(js|d\.ts)|docs\/[\w-]+\.md)$/;
    expect(paths.filter((path) => !allowed.test(path) && !PAGES.includes(path))).toEqual([]);
    for (const path of paths.filter((p) => p.startsWith('dist/') && p.endsWith('.js'))) {
      expect(paths, `${path} without declarations`).toContain(path.replace(/\.js$/, '.d.ts'));
    }
  });

  it('installs without tsx, and the examples type-check against it with skipLibCheck false', () => {
    expect(existsSync(join(packed.project, 'node_modules/tsx'))).toBe(false);
    expect(packed.typecheck.output).toBe('');
    expect(packed.typecheck.code).toBe(0);
  });
});

/** Every file an `exports` map points at (its string values, at any depth). */
function targets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (typeof exports !== 'object' || exports === null) return [];
  return Object.values(exports).flatMap(targets);
}

describe('the installed bin', () => {
  it('answers --help for the server and the worker', async () => {
    const { stdout } = await cli(['--help']);
    expect(stdout).toMatch(/serve \[options\]/);
    expect(stdout).toMatch(/worker \[options\]/);
    const serve = await cli(['serve', '--help']);
    expect(serve.stdout).toContain('--job-types <job-types>');
    expect(serve.stdout).toContain('env JOB_TYPES');
    expect((await cli(['worker', '--help'])).stdout).toContain('--job-types <job-types>');
  });

  it('serves its dashboard, pages and a compiled module of job types, then stops on SIGTERM', async () => {
    const server = await startServer(['--job-types', 'build/job-types/index.js']);
    for (const page of [
      '/',
      '/dashboard.js',
      '/dashboard.css',
      '/push/',
      '/sse/',
      '/sse/page.js',
    ]) {
      expect((await fetch(`${server.url}${page}`)).status, page).toBe(200);
    }
    const types = (await (await fetch(`${server.url}/job-types`)).json()) as { name: string }[];
    expect(types.map((type) => type.name)).toEqual(
      expect.arrayContaining(['demo', 'fetch-url', 'estimate-pi', 'encode']),
    );
    const submitted = await fetch(`${server.url}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'encode', input: { frames: 20, frameMs: 5 } }),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    let job: { status: string; seq: number; result?: unknown } = { status: 'queued', seq: 0 };
    for (
      let polls = 0;
      polls < 50 && !['succeeded', 'failed', 'canceled'].includes(job.status);
      polls++
    ) {
      const response = await fetch(`${server.url}/jobs/${id}?after=${job.seq}&wait=10`);
      job = (await response.json()) as typeof job;
    }
    expect(job).toMatchObject({ status: 'succeeded', result: { frames: 20 } });
    process.kill(server.pid, 'SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('stops at start with one line and exit code 2 for a module it cannot load', async () => {
    writeFileSync(join(packed.project, 'jobs.ts'), 'export default [];\n');
    for (const [file, reason] of [
      ['missing.js', 'no such file'],
      ['jobs.ts', 'cannot import this file type here; for TypeScript, build it to JavaScript'],
    ] as const) {
      const failure = await cli(['serve', '--port', '0', '--job-types', file]).catch(
        (error: unknown) => error as { code: number; stderr: string },
      );
      expect(failure).toMatchObject({ code: 2 });
      const stderr = (failure as { stderr: string }).stderr;
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(`--job-types (JOB_TYPES) ${join(packed.project, file)}: ${reason}`);
    }
  });
});

describe('the installed API and SDK', () => {
  it('run the job types’ own tests: a server with them, jobs watched to the end', async () => {
    const test = join(packed.build, 'job-types/job-types.test.js');
    const { stdout } = await run(process.execPath, ['--test', test], {
      cwd: packed.project,
      env: cleanEnv(),
    });
    expect(stdout).toMatch(/^# pass 10$/m);
    expect(stdout).toMatch(/^# fail 0$/m);
  }, 120_000);
});

interface StartedServer {
  url: string;
  pid: number;
  exited: Promise<{ code: number | null }>;
}

/** `backend-patterns serve` from the installed package on a free port; resolves once it listens. */
async function startServer(args: string[]): Promise<StartedServer> {
  const child = spawn(
    process.execPath,
    [bin(), 'serve', '--port', '0', '--host', '127.0.0.1', '--db', ':memory:', ...args],
    {
      cwd: packed.project,
      env: { ...cleanEnv(), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server did not start');
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null }));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no listening line in 20 s: ${stderr}`));
    }, 20_000);
    void exited.then(({ code }) => {
      reject(new Error(`the server exited with ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /"event":"listening","url":"([^"]+)"/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { url, pid, exited };
}

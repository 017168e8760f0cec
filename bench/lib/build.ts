/**
 * The system under test is `dist/`, the very output `npm start` and the package run
 * (`scripts/build.js`, tsc), rebuilt first when the sources changed since the last build — so
 * what is measured is what users run, not a second compilation of `src/`. It is not run
 * through tsx: tsx compiles with esbuild's `keepNames`, which wraps every function the code
 * creates in a `__name()` call that gives it its own property table (under tsx an idle
 * WebSocket cost ~2 KB more server heap, and every closure created per message more CPU).
 *
 * The bench's own processes, bench/servers/ and bench/clients/, are transpiled file by file
 * by esbuild (no bundling, imports unchanged) into bench/results/build/, which mirrors the
 * repository. Their imports of `../../src/…` land on bench/results/build/src, a link to
 * `dist/`, whose layout is src/'s. Takes about a second when dist/ is fresh.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('../../', import.meta.url).pathname;
const BUILD_DIR = join(ROOT, 'bench/results/build');

/** Where the compiled form of a repository `.ts` file lives. */
export function compiled(sourcePath: string): string {
  return join(BUILD_DIR, relative(ROOT, sourcePath)).replace(/\.ts$/, '.js');
}

export async function buildForBench(): Promise<void> {
  buildDistIfStale();
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });
  symlinkSync(join(ROOT, 'dist'), join(BUILD_DIR, 'src'), 'dir');
  const entryPoints = ['bench/servers', 'bench/clients']
    .flatMap((dir) => filesIn(dir))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(ROOT, file));
  await build({
    entryPoints,
    outdir: BUILD_DIR,
    outbase: ROOT,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

/** `npm start`'s own step: builds dist/ only when the sources changed since the last build. */
function buildDistIfStale(): void {
  const result = spawnSync(process.execPath, ['scripts/build.js', '--if-stale'], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
  });
  if (result.status !== 0) throw new Error(`scripts/build.js exited with ${result.status}`);
}

/** Files under a repository directory, as repository-relative paths. */
function filesIn(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((file) =>
    join(dir, file),
  );
}

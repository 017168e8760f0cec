/**
 * The processes under test run compiled JavaScript, as the system ships (`npm run build`),
 * not through tsx: tsx compiles with esbuild's `keepNames`, which wraps every function the
 * code creates in a `__name()` call that gives it its own property table. Under tsx an idle
 * WebSocket cost ~2 KB more server heap, and every closure created per message more CPU — an
 * artefact of the loader, not of the system.
 *
 * src/, bench/servers/ and bench/clients/ are transpiled file by file (no bundling, imports
 * unchanged) into bench/results/build/, which mirrors the repository, with package.json copied
 * beside them because src/config/version.ts reads it. Takes about a second.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('../../', import.meta.url).pathname;
const BUILD_DIR = join(ROOT, 'bench/results/build');

/** Where the compiled form of a repository `.ts` file lives. */
export function compiled(sourcePath: string): string {
  return join(BUILD_DIR, relative(ROOT, sourcePath)).replace(/\.ts$/, '.js');
}

export async function buildForBench(): Promise<void> {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const entryPoints = ['src', 'bench/servers', 'bench/clients']
    .flatMap((dir) => filesIn(dir))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
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
  // Files the compiled code loads as they are.
  for (const file of ['package.json', ...filesIn('src').filter((f) => f.endsWith('.cjs'))]) {
    const target = join(BUILD_DIR, file);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(ROOT, file), target);
  }
}

/** Files under a repository directory, as repository-relative paths. */
function filesIn(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((file) =>
    join(dir, file),
  );
}

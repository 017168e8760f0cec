/**
 * Makes the package the way its users get it: copies the clone's files (what git tracks, plus
 * new files it does not ignore, so no dist/ and no web/dist/) into a temp dir, runs `npm pack`
 * there (prepack builds), installs the tarball into a fresh project of its own, and compiles
 * the job-type examples against the installed package with `skipLibCheck: false`. The project
 * has only the tarball and @types/node (the Node platform's types, which every TypeScript
 * project on Node has); TypeScript is the clone's compiler, a tool rather than a dependency.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = realpathSync(new URL('../../', import.meta.url).pathname);

export interface PackedFile {
  path: string;
  size: number;
}

export interface PackedPackage {
  /** The temp dir holding everything (the caller removes it). */
  dir: string;
  tarball: string;
  /** Bytes of the .tgz, of its contents, and the files in it (`npm pack --json`). */
  size: number;
  unpackedSize: number;
  files: PackedFile[];
  /** The consumer project the tarball is installed in. */
  project: string;
  /** Where the project's compiled examples are (`build/job-types/index.js`, …). */
  build: string;
  /** tsc's exit code and output for the examples compiled against the installed package. */
  typecheck: { code: number; output: string };
  /** Seconds each step took. */
  timings: Record<'pack' | 'install' | 'typecheck', number>;
}

/** npm passes its own settings to scripts as npm_* variables; the inner npm must not see them. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

export async function packAndInstall(): Promise<PackedPackage> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'bp-package-')));
  const env = cleanEnv();
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const value = await work();
    return [value, (performance.now() - started) / 1000];
  };

  const clone = join(dir, 'clone');
  copyCloneFiles(clone);
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
  const [packed, pack] = await timed(() =>
    run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: clone, env }),
  );
  const [info] = JSON.parse(packed.stdout) as (
    { filename: string; size: number; unpackedSize: number; files: PackedFile[] } | undefined
  )[];
  if (!info) throw new Error(`npm pack printed no package: ${packed.stdout}`);
  const tarball = join(dir, info.filename);

  const project = join(dir, 'project');
  mkdirSync(project);
  const manifest = { name: 'consumer', version: '1.0.0', private: true, type: 'module' };
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  const typesNode = `@types/node@${installedVersion('@types/node')}`;
  const [, install] = await timed(async () => {
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        tarball,
        typesNode,
      ],
      { cwd: project, env },
    );
    await provideSqliteAddon(project, env);
  });

  const [typecheck, typecheckSeconds] = await timed(() => compileExamples(project));
  const build = join(project, 'build');
  // The encode example runs this program next to its compiled module.
  copyFileSync(
    join(ROOT, 'examples/job-types/fake-encoder.js'),
    join(build, 'job-types/fake-encoder.js'),
  );
  return {
    dir,
    tarball,
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files,
    project,
    build,
    typecheck,
    timings: { pack, install, typecheck: typecheckSeconds },
  };
}

/**
 * The one install script the dependencies need is better-sqlite3's, which compiles its native
 * addon (prebuild-install cannot download here): about three minutes of node-gyp, which tests
 * the compiler, not this package. The install above skips scripts, and the addon is the
 * clone's own build when the versions match (same Node, same machine); otherwise it is built.
 */
async function provideSqliteAddon(project: string, env: NodeJS.ProcessEnv): Promise<void> {
  const addon = 'build/Release/better_sqlite3.node';
  const ours = join(ROOT, 'node_modules/better-sqlite3');
  const theirs = join(project, 'node_modules/better-sqlite3');
  const versionOf = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (existsSync(join(ours, addon)) && versionOf(ours) === versionOf(theirs)) {
    mkdirSync(dirname(join(theirs, addon)), { recursive: true });
    copyFileSync(join(ours, addon), join(theirs, addon));
    return;
  }
  await run('npm', ['rebuild', 'better-sqlite3'], { cwd: project, env });
}

/** Tracked files and untracked ones git does not ignore: a clean clone of the working tree. */
function copyCloneFiles(target: string): void {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  for (const file of listed.split('\0')) {
    if (file === '' || !existsSync(join(ROOT, file))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(target, file));
  }
}

/** The examples, compiled as a user would: strict, NodeNext, and every .d.ts checked. */
async function compileExamples(project: string): Promise<{ code: number; output: string }> {
  const source = join(project, 'src/job-types');
  mkdirSync(source, { recursive: true });
  const examples = join(ROOT, 'examples/job-types');
  for (const file of readdirSync(examples).filter((name) => name.endsWith('.ts'))) {
    copyFileSync(join(examples, file), join(source, file));
  }
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      rootDir: 'src',
      outDir: 'build',
    },
    include: ['src'],
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  try {
    const { stdout } = await run(process.execPath, [tsc, '-p', project], { cwd: project });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

function installedVersion(name: string): string {
  const manifest = join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

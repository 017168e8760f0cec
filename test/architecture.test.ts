/**
 * The layer rules (.dependency-cruiser.cjs, docs/architecture.md) must catch what they promise
 * to: each case plants an import in a scratch tree laid out like src/ and runs the same command
 * `npm run lint:layers` runs on the real one.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp-dir.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

/** A scratch tree: each key a path under it, each value the file's source. */
async function cruise(
  dir: string,
  files: Record<string, string>,
): Promise<{ ok: boolean; output: string }> {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowJs: true } }));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  try {
    const { stdout } = await run(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'err'], {
      cwd: dir,
    });
    return { ok: true, output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('layer rules', () => {
  it('accept imports that point down', async () => {
    const result = await cruise(tempDir(), {
      'src/model/job.ts': 'export const A = 1;\n',
      'src/store/store.ts': "import { A } from '../model/job.ts';\nexport const B = A;\n",
      'src/jobs/engine.ts': "import { B } from '../store/store.ts';\nexport const C = B;\n",
      'src/http/app.ts': "import { C } from '../jobs/engine.ts';\nexport const D = C;\n",
    });
    expect(result.output).toContain('no dependency violations');
    expect(result.ok).toBe(true);
  });

  it('refuse an upward import', async () => {
    const result = await cruise(tempDir(), {
      'src/http/app.ts': 'export const A = 1;\n',
      'src/model/job.ts': "import { A } from '../http/app.ts';\nexport const B = A;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('model-imports-upward');
  });

  it('refuse an import between two layers of one tier', async () => {
    const result = await cruise(tempDir(), {
      'src/limits/rate.ts': 'export const A = 1;\n',
      'src/auth/keys.ts': "import { A } from '../limits/rate.ts';\nexport const B = A;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('auth-imports-sibling');
  });

  it('refuse modules that import each other in a circle', async () => {
    const result = await cruise(tempDir(), {
      'src/transports/a.ts': "import { B } from './b.ts';\nexport const A = () => B;\n",
      'src/transports/b.ts': "import { A } from './a.ts';\nexport const B = () => A;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('no-circular');
  });

  it('keep the store behind the engine: only the composition may import it', async () => {
    const result = await cruise(tempDir(), {
      'src/store/store.ts': 'export const S = 1;\n',
      'src/jobs/engine.ts': "import { S } from '../store/store.ts';\nexport const E = S;\n",
      'src/server.ts': "import { S } from './store/store.ts';\nexport const C = S;\n",
      'src/cli/serve.ts': "import { S } from '../store/store.ts';\nexport const L = S;\n",
      'src/transports/sse.ts': "import { S } from '../store/store.ts';\nexport const T = S;\n",
      'src/http/app.ts': "import type { S } from '../store/store.ts';\nexport type H = S;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain(
      'engine-is-the-only-door: src/transports/sse.ts → src/store/store.ts',
    );
    expect(result.output).toContain(
      'engine-is-the-only-door: src/http/app.ts → src/store/store.ts',
    );
    expect(result.output).toContain(
      'engine-is-the-only-door: src/cli/serve.ts → src/store/store.ts',
    );
    expect(result.output).not.toContain('src/server.ts →');
    expect(result.output).not.toContain('src/jobs/engine.ts →');
  });

  it('keep the SDK to the shared vocabulary', async () => {
    const result = await cruise(tempDir(), {
      'src/store/store.ts': 'export const A = 1;\n',
      'src/model/job.ts': 'export const M = 1;\n',
      'src/client/client.ts':
        "import { A } from '../store/store.ts';\nimport { M } from '../model/job.ts';\nexport const B = A + M;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain(
      'client-imports-server: src/client/client.ts → src/store/store.ts',
    );
    expect(result.output).not.toContain('src/model/job.ts\n');
  });

  it('keep Node built-ins out of the model', async () => {
    const result = await cruise(tempDir(), {
      'src/model/id.ts':
        "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('model-imports-node');
  });
});

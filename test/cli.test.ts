import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OPTION_SPECS } from '../src/config/options.js';

const run = promisify(execFile);
const BIN = new URL('../bin/backend-patterns.js', import.meta.url).pathname;

describe('backend-patterns CLI', () => {
  it('serve --help lists every option with its environment variable', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'serve', '--help']);
    for (const spec of Object.values(OPTION_SPECS)) {
      expect(stdout).toContain(spec.flag);
      expect(stdout).toContain(`env ${spec.env}`);
    }
  });

  it('exits 2 with a message naming the option for a bad value', async () => {
    const failure = await run(process.execPath, [BIN, 'serve', '--port', 'x']).catch(
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain(
      'backend-patterns: --port: "x" is not a whole number',
    );
  });
});

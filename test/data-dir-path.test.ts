import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinePath, openConfined } from '../src/jobs/data-dir-path.js';
import { tempDir } from './helpers/temp-dir.js';

/** A data dir with a file, a subdirectory, and symlinks that stay inside or lead out. */
function layout() {
  const root = tempDir();
  const dataDir = join(root, 'data');
  const outside = join(root, 'outside');
  mkdirSync(join(dataDir, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(dataDir, 'inside.txt'), 'inside');
  writeFileSync(join(dataDir, 'sub', 'nested.txt'), 'nested');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(dataDir, 'link-out'));
  symlinkSync(outside, join(dataDir, 'dir-out'));
  symlinkSync(join(dataDir, 'inside.txt'), join(dataDir, 'link-in'));
  return { dataDir, outside };
}

describe('path confinement', () => {
  it.each([
    ['inside.txt', 'inside.txt'],
    ['sub/nested.txt', 'sub/nested.txt'],
    ['./sub/../inside.txt', 'inside.txt'],
    ['link-in', 'inside.txt'],
    ['not-there-yet.txt', 'not-there-yet.txt'],
    ['%2e%2e/inside.txt', '%2e%2e/inside.txt'], // percent-encoding is not decoded: a literal name
  ])('allows %j', async (requested, expected) => {
    const { dataDir } = layout();
    expect(await confinePath(dataDir, requested)).toBe(join(dataDir, expected));
  });

  it.each([
    ['', 'must not be empty'],
    ['../outside/secret.txt', 'must name a file inside the data directory'],
    ['sub/../../outside/secret.txt', 'must name a file inside the data directory'],
    ['..', 'must name a file inside the data directory'],
    ['.', 'must name a file inside the data directory'],
    ['/etc/passwd', 'must be relative to the data directory'],
    ['inside.txt\0.png', 'must not contain NUL bytes'],
    ['link-out', 'leads outside the data directory'],
    ['dir-out/secret.txt', 'leads outside the data directory'],
    ['a/'.repeat(2100), 'is too long'],
  ])('rejects %j', async (requested, reason) => {
    const { dataDir } = layout();
    await expect(confinePath(dataDir, requested)).rejects.toMatchObject({
      code: 'path_not_allowed',
      message: `path ${reason}`,
    });
  });

  it('re-checks at open time, so a symlink swapped in after submit is refused', async () => {
    const { dataDir, outside } = layout();
    expect(await confinePath(dataDir, 'later')).toBe(join(dataDir, 'later'));
    symlinkSync(join(outside, 'secret.txt'), join(dataDir, 'later'));
    await expect(openConfined(dataDir, 'later')).rejects.toMatchObject({
      code: 'path_not_allowed',
    });
  });

  it('refuses a FIFO as not a file at once, without waiting for a writer', async () => {
    const { dataDir } = layout();
    execFileSync('mkfifo', [join(dataDir, 'fifo')]);
    await expect(openConfined(dataDir, 'fifo')).rejects.toMatchObject({ code: 'not_a_file' });
  });

  it('opens a confined file and reports its size', async () => {
    const { dataDir } = layout();
    const { handle, size } = await openConfined(dataDir, 'sub/nested.txt');
    expect(size).toBe(6);
    expect((await handle.readFile()).toString()).toBe('nested');
    await handle.close();
  });
});

/** A scratch file of a given size in a fresh temp directory, removed by `remove()`. */
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WRITE_CHUNK = 8 * 1024 * 1024;

export interface TestFile {
  path: string;
  remove(): void;
}

export async function createTestFile(sizeBytes: number, parent = tmpdir()): Promise<TestFile> {
  const dir = mkdtempSync(join(parent, 'sync-async-'));
  const remove = () => {
    rmSync(dir, { recursive: true, force: true });
  };
  const path = join(dir, 'test-file.bin');
  try {
    // Written in full (not a sparse file), so every byte has to come back from the read.
    const block = randomFillSync(Buffer.alloc(Math.min(WRITE_CHUNK, sizeBytes)));
    const handle = await open(path, 'w');
    try {
      for (let written = 0; written < sizeBytes; written += block.length) {
        await handle.write(block, 0, Math.min(block.length, sizeBytes - written));
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { path, remove };
}

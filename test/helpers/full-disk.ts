/**
 * A data directory on a disk that fills on demand (TESTING.md): a small tmpfs mounted as root.
 * `fill()` writes a ballast file that leaves `leaveBytes` free; `free()` deletes it. Where the
 * mount is refused (not root, no tmpfs), `fullDiskSkipReason` says why and tests skip.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

function probe(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'bp-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs to fill (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); run as root to test a full disk`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const fullDiskSkipReason = probe();
export const fullDiskAvailable = fullDiskSkipReason === undefined;

export interface FullDisk {
  dir: string;
  /** Writes the ballast so that about `leaveBytes` stay free. */
  fill(leaveBytes?: number): void;
  /** Deletes the ballast: space is back. */
  free(): void;
  availableBytes(): number;
}

/** Mounts a tmpfs of `sizeMiB`, unmounted when the current test finishes. */
export function fullDisk(sizeMiB = 8): FullDisk {
  const dir = mkdtempSync(join(tmpdir(), 'bp-full-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir]);
  onTestFinished(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  const ballast = join(dir, 'ballast');
  const availableBytes = () => {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  return {
    dir,
    availableBytes,
    fill(leaveBytes = 8 * 1024) {
      const fd = openSync(ballast, 'a');
      try {
        const chunk = Buffer.alloc(64 * 1024, 1);
        for (
          let left = availableBytes() - leaveBytes;
          left > 0;
          left = availableBytes() - leaveBytes
        ) {
          writeSync(fd, chunk, 0, Math.min(chunk.length, left));
        }
      } catch {
        // ENOSPC: full already
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(ballast, { force: true });
    },
  };
}

/**
 * Path confinement for jobs that read files: a client names a file relative to the data
 * directory and nothing outside that directory may ever be read.
 *
 * Checked twice: lexically and through symlinks at submit time (a clear 400), and again when
 * the file is opened, because a symlink can change in between. The open itself refuses a
 * symlink as the last component and, on Linux, the opened descriptor's real path is checked.
 */
import { constants, promises as fs } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { AppError } from '../model/errors/app-error.js';
import { JobFailure } from '../model/errors/job-failure.js';

const MAX_PATH_LENGTH = 4096;

/** True when `candidate` is `root` itself or lies below it (both absolute, normalised). */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function rejectPath(reason: string): AppError {
  return new AppError('path_not_allowed', `path ${reason}`, {
    errors: [{ field: 'input.path', message: reason }],
  });
}

/**
 * The absolute path that `requested` names inside `dataDir` (itself a real path), or a
 * `path_not_allowed` error. A file that does not exist yet is allowed; a path that resolves
 * outside through a symlink is not.
 */
export async function confinePath(dataDir: string, requested: string): Promise<string> {
  if (requested.length === 0) throw rejectPath('must not be empty');
  if (requested.length > MAX_PATH_LENGTH) throw rejectPath('is too long');
  if (requested.includes('\0')) throw rejectPath('must not contain NUL bytes');
  if (isAbsolute(requested)) throw rejectPath('must be relative to the data directory');
  const lexical = resolve(dataDir, requested);
  if (!isInside(dataDir, lexical) || lexical === dataDir) {
    throw rejectPath('must name a file inside the data directory');
  }
  let real: string;
  try {
    real = await fs.realpath(lexical);
  } catch {
    return lexical; // does not exist (yet): the job will fail with file_not_found
  }
  if (!isInside(dataDir, real)) throw rejectPath('leads outside the data directory');
  return real;
}

export interface ConfinedFile {
  handle: fs.FileHandle;
  size: number;
}

/** Opens `requested` for reading, re-checking confinement; failures are safe JobFailures. */
export async function openConfined(dataDir: string, requested: string): Promise<ConfinedFile> {
  let path: string;
  try {
    path = await confinePath(dataDir, requested);
  } catch (error) {
    throw new JobFailure('path_not_allowed', 'the path is not allowed', {
      internal: String(error),
      retryable: false,
    });
  }
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer that never comes,
    // holding one of libuv's four pool threads for good; with it the open returns at once and
    // the FIFO is refused below as not a regular file. Reads of regular files are unaffected.
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another run would meet the same path: none of these is worth a retry.
    if (code === 'ENOENT') {
      throw new JobFailure('file_not_found', `no file "${requested}"`, { retryable: false });
    }
    throw new JobFailure('not_a_file', `"${requested}" cannot be opened as a file`, {
      internal: code,
      retryable: false,
    });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new JobFailure('not_a_file', `"${requested}" is not a regular file`, {
        retryable: false,
      });
    }
    const opened = await openedPath(handle.fd);
    if (opened !== undefined && !isInside(dataDir, opened)) {
      throw new JobFailure('path_not_allowed', 'the path is not allowed', {
        internal: `opened ${opened}`,
        retryable: false,
      });
    }
    return { handle, size: stat.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** The real path of an open descriptor where the OS tells it (Linux /proc), else undefined. */
async function openedPath(fd: number): Promise<string | undefined> {
  try {
    return await fs.readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

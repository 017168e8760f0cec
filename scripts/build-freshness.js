// @ts-check
/**
 * Whether dist/ and web/dist/ were built from the sources as they are now: a SHA-256 over the
 * path and bytes of every build input, compared with the one the last build wrote next to its
 * output. Hashing (about 2 MB, a few milliseconds) instead of comparing mtimes keeps it right
 * after a branch switch, a `cp -p` or a clock change. Plain JavaScript, because the bin runs it
 * before anything is compiled. Only a clone has these inputs; an installed package has no src/.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Folders whose files are compiled or bundled, and single files that steer the build. */
const INPUT_FOLDERS = ['src', 'web/src'];
const INPUT_FILES = [
  'tsconfig.json',
  'tsconfig.build.json',
  'web/tsconfig.json',
  'scripts/build-web.ts',
  'scripts/build.js',
];

/** Written by scripts/build.js after a successful build. */
export const STAMP = 'dist/.build-stamp.json';

/** @param {string} root the clone's root directory */
export function sourceDigest(root) {
  const files = [...INPUT_FOLDERS.flatMap((folder) => filesUnder(root, folder)), ...INPUT_FILES];
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(file).update('\0');
    try {
      hash.update(readFileSync(join(root, file)));
    } catch {
      hash.update('(missing)');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** @param {string} root */
export function isBuildFresh(root) {
  try {
    const stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
    return stamp.digest === sourceDigest(root);
  } catch {
    return false;
  }
}

/**
 * Files under `folder`, relative to `root` with `/` separators; unit tests are left out (they
 * are not compiled into dist/).
 * @param {string} root
 * @param {string} folder
 * @returns {string[]}
 */
function filesUnder(root, folder) {
  const entries = readdirSync(join(root, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.test.ts'))
    .map((entry) => {
      // Dirent#parentPath from Node 20.12; #path before it.
      const parent = entry.parentPath ?? entry.path;
      return relative(root, join(parent, entry.name)).split(sep).join('/');
    });
}

#!/usr/bin/env node
// @ts-check
/**
 * Builds what `npm start`, the bin and the package run: dist/ (tsc, from a clean folder so no
 * output of a deleted source survives) and web/dist/ (the dashboard bundle), then stamps dist/
 * with the digest of the sources it was built from (build-freshness.js).
 *
 *   node scripts/build.js              always (npm run build; prepack, so a tarball is never stale)
 *   node scripts/build.js --if-stale   only when the sources changed since the last build
 *                                      (npm install's prepare, and before npm start)
 *
 * Plain JavaScript run by node: it must work before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { STAMP, isBuildFresh, sourceDigest } from './build-freshness.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const ifStale = process.argv.includes('--if-stale');

if (ifStale && isBuildFresh(root)) process.exit(0);

const started = performance.now();
if (ifStale)
  console.error('backend-patterns: sources changed since the last build; building dist/');
const digest = sourceDigest(root);
// Remove the output first: while it is being rebuilt, the bin in a clone sees no stamp and
// runs the sources instead of a half-written dist/.
rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
run([tsc, '-p', 'tsconfig.build.json']);
run(['--import', 'tsx', 'scripts/build-web.ts']);
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
writeFileSync(new URL(`../${STAMP}`, import.meta.url), `${JSON.stringify({ digest })}\n`);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.error(`backend-patterns: built dist/ and web/dist/ in ${seconds} s`);

/**
 * Runs one step; a failing step ends the build with its exit code. Its output goes to stderr,
 * so that what npm prints on stdout (`npm pack --json`) stays parseable.
 * @param {string[]} args node's arguments
 */
function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['inherit', 2, 2] });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

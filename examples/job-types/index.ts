/**
 * The module given to `--job-types`: its default export lists the job types a server (or a
 * Redis worker) adds to the built-in ones.
 *
 *   npx tsx src/cli/main.ts serve --job-types examples/job-types/index.ts        (a clone)
 *   npx backend-patterns serve --job-types ./build/job-types/index.js            (built JS)
 */
import { encode } from './encode.js';
import { estimatePi } from './estimate-pi.js';
import { fetchUrl } from './fetch-url.js';

export default [fetchUrl, estimatePi, encode];

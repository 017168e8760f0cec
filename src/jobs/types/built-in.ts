import type { AnyJobType } from '../job-type.js';
import { demoJobType } from './demo.js';
import { hashFileJobType } from './hash-file.js';
import { primesJobType } from './primes.js';

/** The job types every server registers. `dataDir` must be a real absolute path. */
export function builtInJobTypes(dataDir: string): AnyJobType[] {
  return [demoJobType, hashFileJobType(dataDir), primesJobType];
}

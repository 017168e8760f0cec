import { defineConfig } from 'vitest/config';

/**
 * The torture suite (docs/reliability.md): faults, hostile input and load, one case a file.
 * `npm run torture` runs it at full size; `npm run torture:quick` (TORTURE=quick) at the
 * bounded size CI runs.
 */
export default defineConfig({
  test: {
    include: ['test/torture/**/*.test.ts'],
    globalSetup: ['test/torture/helpers/figures-setup.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 60_000,
    // One case at a time: the machine has two cores and the cases measure timing and memory.
    fileParallelism: false,
  },
});

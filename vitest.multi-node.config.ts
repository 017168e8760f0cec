import { defineConfig } from 'vitest/config';

/** Suites that start several processes (gateways, workers, redis-server): npm run test:multi-node. */
export default defineConfig({
  test: {
    include: ['test/multi-node/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 30_000,
    // One cluster at a time: the machine has two cores.
    fileParallelism: false,
  },
});

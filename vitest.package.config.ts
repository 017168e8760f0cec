import { defineConfig } from 'vitest/config';

/**
 * The installed package (npm run test:package; CI runs it): packs a clean copy of the clone,
 * installs the tarball into a fresh project and uses it there. About two minutes, most of it
 * npm compiling better-sqlite3 for the new project.
 */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 360_000,
  },
});

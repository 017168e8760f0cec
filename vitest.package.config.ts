import { defineConfig } from 'vitest/config';

/**
 * The installed package (npm run test:package; CI runs it): packs a clean copy of the clone,
 * installs the tarball into a fresh project and uses it there. About a minute and a half; the
 * project gets the clone's own build of better-sqlite3's addon instead of compiling it again.
 */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 360_000,
  },
});

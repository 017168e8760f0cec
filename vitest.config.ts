import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Every response a test server sends is checked against its OpenAPI document.
    setupFiles: ['test/helpers/contract/contract-setup.ts'],
    // Heavier suites with their own scripts (CI runs them too): npm run test:multi-node,
    // npm run torture, npm run test:package.
    exclude: ['**/node_modules/**', 'test/multi-node/**', 'test/torture/**', 'test/package/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

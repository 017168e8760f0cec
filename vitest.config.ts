import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Every response a test server sends is checked against its OpenAPI document.
    setupFiles: ['test/helpers/contract/contract-setup.ts'],
    // Heavier suites with their own scripts (CI runs them too): npm run test:multi-node,
    // npm run torture, npm run test:package.
    exclude: ['**/node_modules/**', 'test/multi-node/**', 'test/torture/**', 'test/package/**'],
    // Vitest's default on 2 cores is one worker; most files wait on servers, child processes
    // and sockets rather than compute, so two keep both cores busy (CI time, .ci/run).
    maxWorkers: 2,
    // A guard against a hang, not a speed check: CLI and browser cases spawn processes, which
    // on a shared 2-core machine under load took 15–20 s.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});

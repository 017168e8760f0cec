/**
 * Sync vs Async, measured: reads a generated file with every strategy and prints wall time,
 * throughput, memory, event-loop delay and HTTP response times side by side.
 *
 *   npx tsx demos/sync-async/compare.ts [--size 256mb] [--rounds 3] [--json] [--svg chart.svg]
 *
 * The same as `backend-patterns demo sync-async`. The strategies are in
 * src/execution/file-read-strategies.ts; the measuring is in src/demos/sync-async/.
 */
import { COMPARE_USAGE, UsageError, compareCli } from '../../src/demos/sync-async/compare-cli.js';

try {
  await compareCli(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${COMPARE_USAGE}`);
  process.exitCode = 2;
}

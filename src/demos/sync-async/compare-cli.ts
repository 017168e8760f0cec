/**
 * `backend-patterns demo sync-async` and `npx tsx demos/sync-async/compare.ts`: parses the
 * flags, runs the comparison, and prints a table (or JSON) and optionally writes the SVG chart.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseInteger, parseSize } from '../../config/parse-value.js';
import { runCompare, type CompareOptions } from './compare.js';
import { formatReport } from './report-table.js';
import { svgChart } from './svg-chart.js';

export const COMPARE_USAGE = `Usage: npx tsx demos/sync-async/compare.ts [flags]
   or: backend-patterns demo sync-async [flags]

  --size         size of the generated test file (kb, mb, gb; default 256mb)
  --chunk        chunk size of the tuned read stream (default 1mb; Node's default is 64kb)
  --rounds       rounds per strategy; the median round is shown (default 3)
  --no-io-uring  skip the child process that re-runs the async strategies with io_uring
  --json         print the full result as JSON instead of the table
  --svg          also write a bar chart of the result to this file
  --tmp          directory for the temporary test file (default: the OS temp directory)
  --help         show this text`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CompareCliOptions extends CompareOptions {
  json: boolean;
  svg: string | undefined;
}

function parseCompareArgs(args: string[]): CompareCliOptions {
  const { values } = parseOrExplain(args);
  const sizeBytes = parseSize(values.size);
  const chunkBytes = parseSize(values.chunk);
  const rounds = parseInteger(values.rounds);
  if (sizeBytes === undefined || sizeBytes < 1024 || sizeBytes > 2 ** 31 - 1) {
    throw new UsageError(`--size: "${values.size}" is not a size from 1kb to 2047mb`);
  }
  if (chunkBytes === undefined || chunkBytes < 1024) {
    throw new UsageError(`--chunk: "${values.chunk}" is not a size of at least 1kb`);
  }
  if (rounds === undefined || rounds < 1 || rounds > 50) {
    throw new UsageError(`--rounds: "${values.rounds}" is not a whole number from 1 to 50`);
  }
  return {
    sizeBytes,
    chunkBytes,
    rounds,
    ioUring: !values['no-io-uring'],
    tempParent: values.tmp,
    json: values.json,
    svg: values.svg,
  };
}

function parseOrExplain(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        size: { type: 'string', default: '256mb' },
        chunk: { type: 'string', default: '1mb' },
        rounds: { type: 'string', default: '3' },
        'no-io-uring': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        svg: { type: 'string' },
        tmp: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs the comparison for `args`; progress goes to stderr so stdout stays clean for --json. */
export async function compareCli(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${COMPARE_USAGE}\n`);
    return;
  }
  const options = parseCompareArgs(args);
  const report = await runCompare({
    ...options,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  if (options.svg !== undefined) {
    writeFileSync(options.svg, svgChart(report));
    process.stderr.write(`chart written to ${options.svg}\n`);
  }
  process.stdout.write(
    `${options.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`,
  );
}

/**
 * The Sync vs Async comparison on a small file: readFileSync holds the loop for about the whole
 * read while the async strategies let it run; all relative to each read's own duration.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCompare, type CompareReport } from '../src/demos/sync-async/compare.js';
import { formatReport } from '../src/demos/sync-async/report-table.js';
import { sparklines } from '../src/demos/sync-async/sparkline.js';
import { svgChart } from '../src/demos/sync-async/svg-chart.js';

const MIB = 1024 * 1024;
const BIN = new URL('../bin/backend-patterns.js', import.meta.url).pathname;

function row(report: CompareReport, label: string) {
  const found = report.rows.find((r) => r.label === label);
  if (!found) throw new Error(`no row ${label}`);
  return found;
}

describe('sync-async compare', () => {
  it('shows readFileSync blocking the loop for the whole read and the async reads not', async () => {
    const report = await runCompare({
      sizeBytes: 64 * MIB,
      chunkBytes: MIB,
      rounds: 3,
      ioUring: true,
    });
    expect(report.rows.map((r) => r.label)).toEqual([
      'readFileSync',
      'readFile (callback)',
      'fs.promises.readFile',
      'stream 1 MiB',
      'stream 64 KiB (default)',
      'worker thread',
      'readFile (callback) + io_uring',
      'fs.promises.readFile + io_uring',
      'stream 1 MiB + io_uring',
      'stream 64 KiB (default) + io_uring',
    ]);
    for (const r of report.rows) expect(r.bytes).toBe(64 * MIB);
    expect(report.ioUringRings.default).toBe(0); // Node 20 keeps io_uring off unless asked

    // Every round: readFileSync held the loop for about the whole read (noise only adds).
    const sync = row(report, 'readFileSync');
    sync.wallMsByRound.forEach((wall, i) => {
      expect(sync.loopMaxMsByRound[i]).toBeGreaterThan(wall * 0.7);
    });
    // The async reads let the loop run for most of the read. Their best round is compared, so
    // that a neighbour stalling this process in one round does not count against them.
    const best = (values: number[]) => Math.min(...values);
    for (const label of ['readFile (callback)', 'fs.promises.readFile', 'stream 1 MiB']) {
      const async = row(report, label);
      expect(best(async.loopMaxMsByRound), label).toBeLessThan(async.wallMs * 0.5);
      expect(best(async.loopMaxMsByRound), label).toBeLessThan(best(sync.loopMaxMsByRound) * 0.5);
    }
    // Streams hold one chunk at a time; readFileSync holds the whole file.
    const growth = (r: typeof sync) => r.peakRssMiB - r.rssBeforeMiB;
    expect(growth(row(report, 'stream 64 KiB (default)'))).toBeLessThan(growth(sync));

    const text = formatReport(report);
    expect(text).toContain('| readFileSync');
    expect(svgChart(report)).toMatch(/^<svg[\s\S]*readFileSync[\s\S]*<\/svg>\n$/);
  }, 60_000);

  it('draws a blocked loop as full blocks and a free one as a flat line, on one time axis', () => {
    const [blocked, free] = sparklines(
      [
        { wallMs: 100, stalls: [{ at: 100, ms: 99 }] },
        { wallMs: 50, stalls: [] },
      ],
      10,
    );
    expect(blocked).toBe('██████████');
    expect(free).toBe('▁▁▁▁▁');
  });

  it('runs as `backend-patterns demo sync-async` with --json', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      BIN,
      'demo',
      'sync-async',
      '--size',
      '2mb',
      '--rounds',
      '1',
      '--no-io-uring',
      '--json',
    ]);
    const report = JSON.parse(stdout) as CompareReport;
    expect(report.sizeBytes).toBe(2 * MIB);
    expect(report.rows).toHaveLength(6);
    expect(report.ioUringRings.child).toBeNull();
  }, 30_000);
});

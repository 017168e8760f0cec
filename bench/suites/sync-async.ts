/**
 * Suite 6 — Sync vs Async: the chapter's comparison (src/demos/sync-async/compare.ts) as a
 * benchmark. Baseline: readFileSync. For every other strategy, how long the event loop stalled
 * at worst while reading (target: at most a tenth of readFileSync's stall) and the wall time.
 */
import { runCompare } from '../../src/demos/sync-async/compare.js';
import type { Measure } from '../lib/report.js';
import type { Suite } from '../lib/suite.js';

export const syncAsyncSuite: Suite = {
  name: 'sync-async',
  title: 'Sync vs Async: reading one file, loop stall and wall time per strategy',
  async run(ctx) {
    const sizeMiB = ctx.quick ? 64 : 256;
    const report = await runCompare({
      sizeBytes: sizeMiB * 1024 * 1024,
      chunkBytes: 1024 * 1024,
      rounds: ctx.quick ? 1 : 3,
      ioUring: true,
      tempParent: ctx.tempDir(),
      onProgress: ctx.log,
    });
    const sync = report.rows.find((row) => row.label === 'readFileSync');
    if (!sync) throw new Error('the comparison has no readFileSync row');
    const measures: Measure[] = [];
    for (const row of report.rows) {
      if (row === sync) continue;
      measures.push(
        {
          metric: `loop stall, ${row.label}`,
          unit: 'ms',
          better: 'lower',
          ours: row.loopDelay.maxMs,
          baseline: sync.loopDelay.maxMs,
          baselineName: 'sync',
          target: { ratio: 0.1 },
        },
        {
          metric: `wall time, ${row.label}`,
          unit: 'ms',
          better: 'lower',
          ours: row.wallMs,
          baseline: sync.wallMs,
          baselineName: 'sync',
        },
      );
    }
    return {
      suite: this.name,
      title: this.title,
      measures,
      notes: [
        `${String(sizeMiB)} MiB file, ${String(report.rounds)} round(s), median round per strategy; load average ${report.machine.loadAverage.toFixed(1)} at the end`,
        `io_uring rings opened: ${String(report.ioUringRings.default)} by default, ${String(report.ioUringRings.child ?? 0)} in the UV_USE_IO_URING=1 child`,
      ],
    };
  },
};

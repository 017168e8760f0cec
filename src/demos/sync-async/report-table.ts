/** The comparison as a plain-text table with a loop-delay sparkline per strategy. */
import type { CompareReport } from './compare.js';
import { sparklines } from './sparkline.js';

const COLUMNS = [
  'strategy',
  'read runs on',
  'wall ms',
  'MiB/s',
  'peak RSS MiB (+growth)',
  'loop p99 ms',
  'loop max ms',
  'HTTP worst ms (n)',
] as const;

const fixed = (value: number, digits = 1) => value.toFixed(digits);

export function formatReport(report: CompareReport): string {
  const rows = report.rows.map((row) => [
    row.label,
    row.where,
    fixed(row.wallMs),
    fixed(row.mibPerSec, 0),
    `${fixed(row.peakRssMiB, 0)} (+${fixed(Math.max(0, row.peakRssMiB - row.rssBeforeMiB), 0)})`,
    fixed(row.loopDelay.p99Ms),
    fixed(row.loopDelay.maxMs),
    row.http.maxMs === null ? '— (0)' : `${fixed(row.http.maxMs)} (${row.http.requests})`,
  ]);
  const table = markdownTable([...COLUMNS], rows);
  const lines = sparklines(report.rows.map((r) => ({ wallMs: r.wallMs, stalls: r.stalls })));
  const longest = Math.max(...report.rows.map((r) => r.wallMs));
  const labelWidth = Math.max(...report.rows.map((r) => r.label.length));
  const timeline = report.rows.map(
    (row, i) => `${row.label.padEnd(labelWidth)}  ${lines[i] ?? ''}`,
  );
  return [
    header(report),
    '',
    table,
    '',
    `Event-loop stalls over time (one line = one read; full width = ${fixed(longest, 0)} ms; ` +
      `█ = the longest stall measured, ▁ = the loop kept running):`,
    '',
    ...timeline,
  ].join('\n');
}

export function header(report: CompareReport): string {
  const m = report.machine;
  const rings = report.ioUringRings;
  return [
    `Reading a ${report.sizeBytes / 1024 / 1024} MiB file (in the page cache), median of ` +
      `${report.rounds} round${report.rounds === 1 ? '' : 's'}; ${report.date.slice(0, 10)}`,
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, ` +
      `libuv ${m.libuv}, UV_THREADPOOL_SIZE=${report.threadPoolSize}, load average ${m.loadAverage}`,
    `io_uring instances: ${rings.default} in this process (Node 20 default)` +
      (rings.child === null ? '' : `, ${rings.child} in the child with UV_USE_IO_URING=1`),
  ].join('\n');
}

/** A Markdown table, which also reads well in a terminal; numbers are right-aligned. */
function markdownTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = head.map((_, i) => i >= 2);
  const cell = (text: string, i: number) =>
    numeric[i] ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

/**
 * The comparison as an SVG bar chart: per strategy, how long the read took, the longest time
 * the event loop could not run, and the slowest HTTP answer meanwhile, on one millisecond axis.
 * A blocking read shows three equal bars; a non-blocking one a long blue bar and two stubs.
 */
import type { CompareReport, CompareRow } from './compare.js';
import { header } from './report-table.js';

const SERIES: { name: string; color: string; value: (row: CompareRow) => number }[] = [
  { name: 'read (wall time)', color: '#4c78a8', value: (r) => r.wallMs },
  { name: 'longest event-loop stall', color: '#e45756', value: (r) => r.loopDelay.maxMs },
  { name: 'slowest HTTP response meanwhile', color: '#f58518', value: (r) => r.http.maxMs ?? 0 },
];

const WIDTH = 960;
const LABEL_WIDTH = 260;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - 80;
const BAR = 9;
const ROW = SERIES.length * BAR + 14;
const TOP = 118;

export function svgChart(report: CompareReport): string {
  const top = niceCeiling(
    Math.max(1, ...report.rows.flatMap((r) => SERIES.map((s) => s.value(r)))),
  );
  const x = (ms: number) => LABEL_WIDTH + (ms / top) * PLOT_WIDTH;
  const height = TOP + report.rows.length * ROW + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    text(
      16,
      26,
      'Sync vs Async: reading one file while a server waits',
      'font-size="17" font-weight="600"',
    ),
    ...header(report)
      .split('\n')
      .map((line, i) => text(16, 46 + i * 15, line, 'fill="#555" font-size="11"')),
    ...SERIES.map((s, i) => legend(16 + i * 240, 100, s.name, s.color)),
  ];
  for (const ms of ticks(top)) {
    const tx = x(ms).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${height - 34}" stroke="#e5e5e5"/>`,
      text(x(ms), height - 20, `${ms} ms`, 'text-anchor="middle" fill="#555"'),
    );
  }
  report.rows.forEach((row, i) => {
    const y = TOP + i * ROW;
    parts.push(
      text(LABEL_WIDTH - 10, y + (SERIES.length * BAR) / 2 + 4, row.label, 'text-anchor="end"'),
    );
    SERIES.forEach((s, j) => {
      const value = s.value(row);
      const by = y + j * BAR;
      const width = Math.max(1, x(value) - LABEL_WIDTH);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${by}" width="${width.toFixed(1)}" height="${BAR - 1}" fill="${s.color}"/>`,
        text(LABEL_WIDTH + width + 4, by + BAR - 1, value.toFixed(1), 'font-size="9" fill="#333"'),
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function legend(x: number, y: number, name: string, color: string): string {
  return `<rect x="${x}" y="${y - 9}" width="12" height="10" fill="${color}"/>\n${text(x + 17, y, name)}`;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  const escaped = content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escaped}</text>`;
}

/** 1, 2 or 5 times a power of ten, at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
}

function ticks(top: number): number[] {
  const step = niceCeiling(top / 6);
  const result: number[] = [];
  for (let ms = 0; ms <= top + 1e-9; ms += step) result.push(Math.round(ms * 100) / 100);
  return result;
}

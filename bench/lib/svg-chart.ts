/**
 * One SVG per suite: a horizontal bar per measure with a baseline, showing ours/baseline, with
 * the target drawn as a line. Hand-made SVG: no dependency, readable in any browser or README.
 */
import { ratioOf, targetMet, type SuiteResult } from './report.js';

const escape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function renderSvg(result: SuiteResult, subtitle: string): string {
  const rows = result.measures.filter((m) => ratioOf(m) !== undefined);
  const rowHeight = 34;
  const left = 330;
  const barWidth = 360;
  const height = 70 + rows.length * rowHeight;
  const maxRatio = Math.max(
    1.2,
    ...rows.map((m) => ratioOf(m) ?? 0),
    ...rows.map((m) => (m.target && 'ratio' in m.target ? m.target.ratio : 0)),
  );
  const x = (ratio: number) => left + (Math.min(ratio, maxRatio) / maxRatio) * barWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + barWidth + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(result.title)}</text>`,
    `<text x="10" y="38" fill="#555">${escape(subtitle)} — bars: ours ÷ baseline (1.0 = baseline)</text>`,
    `<line x1="${x(1)}" y1="48" x2="${x(1)}" y2="${height - 8}" stroke="#999" stroke-dasharray="3 3"/>`,
  ];
  rows.forEach((m, i) => {
    const y = 56 + i * rowHeight;
    const ratio = ratioOf(m) ?? 0;
    const met = targetMet(m);
    const color = met === undefined ? '#6b8cce' : met ? '#3c9a5f' : '#c8553d';
    parts.push(
      `<text x="10" y="${y + 15}">${escape(m.metric)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(ratio) - left)}" height="18" fill="${color}"/>`,
      `<text x="${x(ratio) + 5}" y="${y + 16}">${ratio.toFixed(2)}×</text>`,
    );
    if (m.target && 'ratio' in m.target) {
      const tx = x(m.target.ratio);
      parts.push(
        `<line x1="${tx}" y1="${y}" x2="${tx}" y2="${y + 24}" stroke="black" stroke-width="2"/>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

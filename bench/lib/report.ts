/**
 * Benchmark results: every figure is measured next to a baseline in the same run (the machine
 * is shared and noisy), so targets are ratios; a few targets from the issues are absolute and
 * say so. A suite that misses a target says so plainly.
 */
export interface Measure {
  metric: string;
  unit: string;
  /** Which way is better for this metric. */
  better: 'higher' | 'lower';
  ours: number;
  baseline?: number;
  baselineName?: string;
  /** A ratio ours/baseline to reach, or an absolute bound. */
  target?: { ratio: number } | { atLeast: number } | { atMost: number };
  note?: string;
}

export interface SuiteResult {
  suite: string;
  title: string;
  measures: Measure[];
  /** Extra lines printed under the table (what was run, caveats). */
  notes: string[];
}

export function ratioOf(m: Measure): number | undefined {
  return m.baseline ? m.ours / m.baseline : undefined;
}

/** true = met, false = missed, undefined = informational (no target). */
export function targetMet(m: Measure): boolean | undefined {
  const t = m.target;
  if (!t) return undefined;
  if ('atLeast' in t) return m.ours >= t.atLeast;
  if ('atMost' in t) return m.ours <= t.atMost;
  const ratio = ratioOf(m);
  if (ratio === undefined) return undefined;
  return m.better === 'higher' ? ratio >= t.ratio : ratio <= t.ratio;
}

export function targetText(m: Measure): string {
  const t = m.target;
  if (!t) return '';
  if ('atLeast' in t) return `≥ ${format(t.atLeast)} ${m.unit}`;
  if ('atMost' in t) return `≤ ${format(t.atMost)} ${m.unit}`;
  return `${m.better === 'higher' ? '≥' : '≤'} ${t.ratio}×`;
}

export function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/**
 * How far from the limit: a bare baseline (bare node:http, ws, SSE) is the most this machine
 * does with the same work, so ours is printed as a share of it — 100% is the limit, whichever
 * way the metric points. Measures against other baselines (Socket.IO, BullMQ) are not limits.
 */
export function limitLine(result: SuiteResult): string | undefined {
  const shares = result.measures.flatMap((m) => {
    const ratio = ratioOf(m);
    if (ratio === undefined || !m.baselineName?.startsWith('bare') || ratio === 0) return [];
    const share = m.better === 'higher' ? ratio : 1 / ratio;
    return [`${m.metric} ${(share * 100).toFixed(0)}%`];
  });
  return shares.length ? `how far from the limit (bare = 100%): ${shares.join('; ')}` : undefined;
}

/** A plain-text table, one row per measure. */
export function renderTable(result: SuiteResult): string {
  const header = ['metric', 'baseline', 'ours', 'ratio', 'target', 'result'];
  const rows = result.measures.map((m) => {
    const ratio = ratioOf(m);
    const met = targetMet(m);
    return [
      `${m.metric} (${m.unit})`,
      m.baseline === undefined ? '—' : `${format(m.baseline)} ${m.baselineName ?? ''}`.trim(),
      format(m.ours),
      ratio === undefined ? '—' : `${ratio.toFixed(2)}×`,
      targetText(m) || '—',
      met === undefined ? 'info' : met ? 'MET' : 'MISSED',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [
    `== ${result.title}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...[limitLine(result) ?? [], result.notes].flat().map((n) => `   ${n}`),
  ].join('\n');
}

export function missedTargets(result: SuiteResult): Measure[] {
  return result.measures.filter((m) => targetMet(m) === false);
}

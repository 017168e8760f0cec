/**
 * Loop-delay timelines as Unicode sparklines on one shared time axis and one shared scale, so
 * a blocked loop reads as a wall of full blocks and a free one as a flat line, and longer reads
 * draw longer lines.
 */
import type { Stall } from './loop-recorder.js';

const LEVELS = '▁▂▃▄▅▆▇█';

export interface Timeline {
  wallMs: number;
  stalls: readonly Stall[];
}

/**
 * Per column of `stepMs`, the longest stall that overlaps it (a stall of d ms that ended at t
 * covers [t - d, t]), in ms.
 */
function stallColumns(timeline: Timeline, stepMs: number): number[] {
  const columns = new Array<number>(Math.max(1, Math.ceil(timeline.wallMs / stepMs))).fill(0);
  for (const { at, ms } of timeline.stalls) {
    const first = Math.max(0, Math.floor((at - ms) / stepMs));
    const last = Math.min(columns.length - 1, Math.floor(at / stepMs));
    for (let i = first; i <= last; i++) columns[i] = Math.max(columns[i] ?? 0, ms);
  }
  return columns;
}

/** One line per timeline; the longest fills `width` columns. */
export function sparklines(timelines: readonly Timeline[], width = 48): string[] {
  const longest = Math.max(1, ...timelines.map((t) => t.wallMs));
  const stepMs = longest / width;
  const columns = timelines.map((t) => stallColumns(t, stepMs));
  const top = Math.max(1, ...columns.flat());
  return columns.map((line) =>
    line
      .map((ms) => LEVELS[ms <= 0 ? 0 : Math.max(1, Math.ceil((ms / top) * (LEVELS.length - 1)))])
      .join(''),
  );
}

/**
 * SVG built with DOM calls (no markup strings, so nothing from the network is ever parsed),
 * and the time axis the dashboard's charts share.
 */
const NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  if (text !== undefined) element.textContent = text;
  return element;
}

const STEPS_S = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** A tick step (seconds) that puts at most `most` ticks on a span of `spanS` seconds. */
export function tickStep(spanS: number, most: number): number {
  return STEPS_S.find((step) => spanS / step <= most) ?? Math.ceil(spanS / most);
}

/** "0 s", "1.5 s", "2 min", "1 h": what a tick at `seconds` is labelled. */
export function secondsLabel(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs >= 3600 && abs % 3600 === 0) return `${seconds / 3600} h`;
  if (abs >= 60 && abs % 60 === 0) return `${seconds / 60} min`;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

export interface AxisOptions {
  /** Pixels: where the plot starts and ends, and the axis line's height. */
  left: number;
  right: number;
  y: number;
  /** Seconds at the left and right ends (e.g. -60 and 0, or 0 and 12.5). */
  fromS: number;
  toS: number;
  /** Label of a tick at `seconds`; defaults to secondsLabel. */
  label?: (seconds: number) => string;
}

/** A horizontal time axis: a line and a labelled tick every `tickStep` seconds. */
export function timeAxis(options: AxisOptions): SVGGElement {
  const { left, right, y, fromS, toS } = options;
  const label = options.label ?? secondsLabel;
  const group = svg('g', { class: 'axis' });
  group.append(svg('line', { x1: left, x2: right, y1: y, y2: y }));
  const span = Math.max(toS - fromS, 1e-9);
  const step = tickStep(span, Math.max(2, Math.floor((right - left) / 64)));
  for (let t = Math.ceil(fromS / step) * step; t <= toS + 1e-9; t += step) {
    const x = left + ((t - fromS) / span) * (right - left);
    group.append(svg('line', { x1: x, x2: x, y1: y, y2: y + 4 }));
    const anchor = x < left + 12 ? 'start' : x > right - 12 ? 'end' : 'middle';
    group.append(svg('text', { x, y: y + 14, 'text-anchor': anchor }, label(Number(t.toFixed(3)))));
  }
  return group;
}

/**
 * A small live line chart: the last `windowS` seconds of a few series, on a time axis that ends
 * at "now", scaled to the largest value in view. Drawn in the figure's own pixels (redrawn when
 * it is resized), so text is never stretched, with room around the plot for the axes.
 */
import { el } from './dom.js';
import { secondsLabel, svg, timeAxis } from './svg.js';

const HEIGHT = 120;
const PAD = { left: 36, right: 10, top: 10, bottom: 22 };

interface Sample {
  at: number;
  values: readonly number[];
}

export class LiveChart {
  readonly #svg = svg('svg', { class: 'chart', role: 'img' });
  readonly #legend: HTMLSpanElement[];
  readonly #names: readonly string[];
  readonly #unit: string;
  readonly #windowMs: number;
  #samples: Sample[] = [];

  constructor(
    figure: HTMLElement,
    title: string,
    names: readonly string[],
    unit: string,
    windowS = 60,
  ) {
    this.#names = names;
    this.#unit = unit;
    this.#windowMs = windowS * 1000;
    this.#svg.setAttribute('aria-label', title);
    this.#legend = names.map((_, index) => el('span', { className: `series-${index}` }));
    const caption = el(
      'figcaption',
      { text: `${title} ` },
      el('span', { className: 'legend' }, ...this.#legend),
    );
    figure.replaceChildren(this.#svg, caption);
    new ResizeObserver(() => {
      this.#draw();
    }).observe(this.#svg);
  }

  push(values: readonly number[], at = Date.now()): void {
    this.#samples.push({ at, values });
    this.#samples = this.#samples.filter((sample) => sample.at >= at - this.#windowMs);
    values.forEach((value, index) => {
      const legend = this.#legend[index];
      if (legend) legend.textContent = `${this.#names[index] ?? ''}: ${formatValue(value)}`;
    });
    this.#draw();
  }

  #draw(): void {
    const width = this.#svg.clientWidth;
    if (width === 0) return;
    this.#svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
    const right = width - PAD.right;
    const bottom = HEIGHT - PAD.bottom;
    const now = this.#samples.at(-1)?.at ?? Date.now();
    const top = Math.max(1, ...this.#samples.flatMap((sample) => sample.values));
    const x = (at: number) => right - ((now - at) / this.#windowMs) * (right - PAD.left);
    const y = (value: number) => bottom - (value / top) * (bottom - PAD.top);
    const unit = this.#unit ? ` ${this.#unit}` : '';
    const parts: SVGElement[] = [
      svg('line', { class: 'grid', x1: PAD.left, x2: right, y1: PAD.top, y2: PAD.top }),
      svg(
        'text',
        { class: 'scale', x: PAD.left - 4, y: PAD.top + 4, 'text-anchor': 'end' },
        `${formatValue(top)}${unit}`,
      ),
      svg('text', { class: 'scale', x: PAD.left - 4, y: bottom, 'text-anchor': 'end' }, '0'),
      timeAxis({
        left: PAD.left,
        right,
        y: bottom,
        fromS: -this.#windowMs / 1000,
        toS: 0,
        label: (s) => (s === 0 ? 'now' : secondsLabel(s)),
      }),
    ];
    this.#names.forEach((_, index) => {
      const points = this.#samples
        .map((sample) => `${x(sample.at).toFixed(1)},${y(sample.values[index] ?? 0).toFixed(1)}`)
        .join(' ');
      parts.push(svg('polyline', { class: `series-${index}`, points }));
    });
    this.#svg.replaceChildren(...parts);
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

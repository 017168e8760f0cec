/**
 * A small live line chart in hand-made SVG: the last `points` samples of a few series, scaled to
 * the largest value in view. Built with DOM calls only (no markup strings).
 */
import { el } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 100;

export class LiveChart {
  readonly #lines: SVGPolylineElement[];
  readonly #legend: HTMLSpanElement[];
  readonly #scale: SVGTextElement;
  readonly #samples: number[][];
  readonly #names: readonly string[];
  readonly #unit: string;
  readonly #points: number;

  constructor(
    figure: HTMLElement,
    title: string,
    names: readonly string[],
    unit: string,
    points = 60,
  ) {
    this.#names = names;
    this.#unit = unit;
    this.#points = points;
    this.#samples = names.map(() => []);
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('class', 'chart');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', title);
    this.#lines = names.map((_, index) => {
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('class', `series-${index}`);
      svg.append(line);
      return line;
    });
    this.#scale = document.createElementNS(SVG, 'text');
    this.#scale.setAttribute('x', '4');
    this.#scale.setAttribute('y', '10');
    this.#scale.setAttribute('font-size', '8');
    svg.append(this.#scale);
    this.#legend = names.map((_, index) => el('span', { className: `series-${index}` }));
    const caption = el(
      'figcaption',
      { text: `${title} ` },
      el('span', { className: 'legend' }, ...this.#legend),
    );
    figure.replaceChildren(svg, caption);
  }

  push(values: readonly number[]): void {
    values.forEach((value, index) => {
      const series = this.#samples[index];
      if (!series) return;
      series.push(value);
      if (series.length > this.#points) series.shift();
    });
    const top = Math.max(1, ...this.#samples.flat());
    this.#scale.textContent = `max ${formatValue(top)} ${this.#unit}`;
    this.#samples.forEach((series, index) => {
      // The newest sample at the right edge; older ones scroll off to the left.
      const offset = this.#points - series.length;
      const points = series.map((value, i) => {
        const x = (WIDTH * (offset + i)) / Math.max(1, this.#points - 1);
        const y = HEIGHT - (HEIGHT * 0.9 * value) / top;
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      });
      this.#lines[index]?.setAttribute('points', points.join(' '));
      const legend = this.#legend[index];
      if (legend)
        legend.textContent = `${this.#names[index] ?? ''}: ${formatValue(series.at(-1) ?? 0)}`;
    });
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

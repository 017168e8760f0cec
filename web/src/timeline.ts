/**
 * The timeline: one swimlane per transport on one time axis, for the job being watched, live.
 * A bar is a request from sent to answered — short polling's many short round trips (dark when
 * the answer had news, light when it was a 304), long polling's one held request per change;
 * a stream or socket is one long bar while it is open, with a tick per event, a small tick per
 * heartbeat and a dot per other message; a red cross is a request that failed (a retry
 * follows). Pointing at (or tapping) a mark shows what went over the wire, below the chart.
 */
import { TRANSPORTS, type TransportName, type WireEntry } from '../../src/client/index.js';
import { el } from './dom.js';
import { svg, timeAxis } from './svg.js';
import { describeMark, failed, Lane, type Mark } from './timeline-model.js';
import { TITLES } from './transport-titles.js';

const LANE_HEIGHT = 46;
const AXIS_HEIGHT = 24;
const PAD = { left: 6, right: 14, top: 4 };
/** The axis spans at least this much, so the first marks do not fill the whole width. */
const MIN_SPAN_MS = 3000;
const TICK_REACH = 4;
const PROMPT = 'Point at (or tap) a mark to see what went over the wire.';

interface Drawn {
  lane: number;
  x1: number;
  x2: number;
  mark: Mark;
  element: SVGElement;
}

export class Timeline {
  readonly #svg = svg('svg', { class: 'timeline', role: 'img' });
  readonly #detail = el('p', { className: 'timeline-detail hint', text: PROMPT });
  #lanes = new Map<TransportName, Lane>();
  #drawn: Drawn[] = [];
  #active: SVGElement | undefined;
  #t0 = 0;
  #live = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #pending = false;

  constructor(root: HTMLElement) {
    this.#svg.setAttribute('aria-label', 'What each transport sent and received, over time');
    this.#detail.id = 'timeline-detail';
    this.#detail.setAttribute('aria-live', 'polite');
    root.replaceChildren(this.#svg, this.#detail);
    this.#svg.addEventListener('pointermove', (event) => {
      this.#point(event);
    });
    this.#svg.addEventListener('pointerdown', (event) => {
      this.#point(event);
    });
    new ResizeObserver(() => {
      this.#draw();
    }).observe(this.#svg);
  }

  /** A new job, submitted at `t0` (this client's clock): empty lanes, drawn live. */
  start(t0: number): void {
    this.#t0 = t0;
    this.#lanes = new Map(TRANSPORTS.map((transport) => [transport, new Lane(transport)]));
    this.#live = true;
    this.#detail.textContent = PROMPT;
    clearInterval(this.#timer);
    // The open bars grow with time, not only when something arrives.
    this.#timer = setInterval(() => {
      this.#draw();
    }, 250);
    this.#draw();
  }

  add(entry: WireEntry): void {
    this.#lanes.get(entry.transport)?.add(entry);
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.#draw();
    });
  }

  /** Every watch has ended: the axis stops at the last thing that happened. */
  stop(): void {
    this.#live = false;
    clearInterval(this.#timer);
    this.#draw();
  }

  #draw(): void {
    const width = this.#svg.clientWidth;
    if (width === 0 || this.#lanes.size === 0) return;
    const height = PAD.top + TRANSPORTS.length * LANE_HEIGHT + AXIS_HEIGHT;
    this.#svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.#svg.setAttribute('height', String(height));
    const lanes = [...this.#lanes.values()];
    const end = this.#live ? Date.now() : Math.max(this.#t0, ...lanes.map((lane) => lane.lastAt()));
    const span = Math.max(MIN_SPAN_MS, end - this.#t0);
    const right = width - PAD.right;
    const x = (at: number) => PAD.left + ((at - this.#t0) / span) * (right - PAD.left);
    const now = this.#live ? Date.now() : end;
    const parts: SVGElement[] = [];
    this.#drawn = [];
    lanes.forEach((lane, index) => {
      const top = PAD.top + index * LANE_HEIGHT;
      const group = svg('g', { 'data-lane': lane.transport });
      group.append(
        svg('rect', { class: 'lane', x: 0, y: top, width, height: LANE_HEIGHT - 2 }),
        svg('text', { class: 'lane-label', x: PAD.left, y: top + 12 }, TITLES[lane.transport]),
      );
      for (const mark of lane.marks) {
        const element = drawMark(mark, top, x, now);
        group.append(element);
        // A message is a thin tick: it answers to the pointer a few pixels either side.
        const x1 = mark.kind === 'message' ? x(mark.at) - TICK_REACH : x(mark.sentAt);
        const x2 =
          mark.kind === 'message'
            ? x1 + 2 * TICK_REACH
            : x(mark.closedAt ?? mark.answeredAt ?? now);
        this.#drawn.push({ lane: index, x1, x2, mark, element });
      }
      parts.push(group);
    });
    const axisY = PAD.top + TRANSPORTS.length * LANE_HEIGHT + 2;
    parts.push(timeAxis({ left: PAD.left, right, y: axisY, fromS: 0, toS: span / 1000 }));
    this.#svg.replaceChildren(...parts);
    this.#active = undefined;
  }

  /** Shows the mark nearest the pointer in the lane under it (within a finger's width). */
  #point(event: PointerEvent): void {
    const box = this.#svg.getBoundingClientRect();
    const px = event.clientX - box.left;
    const lane = Math.floor((event.clientY - box.top - PAD.top) / LANE_HEIGHT);
    let best: Drawn | undefined;
    let bestDistance = 12;
    for (const drawn of this.#drawn) {
      if (drawn.lane !== lane) continue;
      const distance = px < drawn.x1 ? drawn.x1 - px : px > drawn.x2 ? px - drawn.x2 : 0;
      // Messages sit on their connection's bar: prefer them when the pointer is on both.
      const bias = drawn.mark.kind === 'message' ? -0.01 : 0;
      if (distance + bias < bestDistance) {
        best = drawn;
        bestDistance = distance + bias;
      }
    }
    if (!best) return;
    this.#active?.classList.remove('active');
    best.element.classList.add('active');
    this.#active = best.element;
    const transport = TRANSPORTS[best.lane];
    const title = transport ? TITLES[transport] : '';
    this.#detail.textContent = `${title}: ${describeMark(best.mark, this.#t0)}`;
  }
}

function drawMark(mark: Mark, top: number, x: (at: number) => number, now: number): SVGElement {
  if (mark.kind === 'message') {
    const at = x(mark.at);
    if (mark.what === 'event' || mark.what === 'reset') {
      return svg('rect', {
        class: 'tick event',
        'data-mark': 'event',
        x: at - 1.5,
        y: top + 15,
        width: 3,
        height: 24,
      });
    }
    if (mark.what === 'heartbeat') {
      return svg('rect', {
        class: 'tick heartbeat',
        'data-mark': 'heartbeat',
        x: at - 1,
        y: top + 27,
        width: 2,
        height: 12,
      });
    }
    return svg('circle', {
      class: 'tick meta',
      'data-mark': 'message',
      cx: at,
      cy: top + 38,
      r: 2.5,
    });
  }
  const group = svg('g', { 'data-mark': 'request', 'data-news': String(mark.news) });
  const sent = x(mark.sentAt);
  const answered = x(mark.answeredAt ?? mark.closedAt ?? now);
  const state =
    mark.status === undefined
      ? failed(mark)
        ? 'failed'
        : 'pending'
      : mark.news
        ? 'news'
        : 'empty';
  group.append(
    svg('rect', {
      class: `request ${mark.held ? 'opening' : state}`,
      x: sent,
      y: top + 20,
      width: Math.max(2, answered - sent),
      height: 12,
    }),
  );
  if (mark.held) {
    const closed = x(mark.closedAt ?? now);
    group.append(
      svg('rect', {
        class: 'connection',
        x: answered,
        y: top + 22,
        width: Math.max(1, closed - answered),
        height: 8,
      }),
    );
  }
  if (failed(mark)) {
    const at = x(mark.closedAt ?? now);
    group.append(svg('path', { class: 'failed', d: `M${at - 4},${top + 22} l8,8 m0,-8 l-8,8` }));
  }
  return group;
}

/** The counters of one watch (WatchStats), fed by its transports. */
import type { Meter } from './transports/context.js';
import type { TransportName, WatchStats } from './types.js';

export class WatchMeter implements Meter {
  readonly stats: WatchStats = {
    transport: undefined,
    fallbacks: [],
    requests: 0,
    connections: 0,
    reconnects: 0,
    bytes: 0,
    updates: 0,
    lastDelayMs: undefined,
    meanDelayMs: undefined,
  };
  readonly #onChange: ((stats: Readonly<WatchStats>) => void) | undefined;
  #delayTotal = 0;

  constructor(onChange?: (stats: Readonly<WatchStats>) => void) {
    this.#onChange = onChange;
  }

  use(transport: TransportName): void {
    this.stats.transport = transport;
    this.#changed();
  }

  fellBack(transport: TransportName): void {
    this.stats.fallbacks.push(transport);
    this.#changed();
  }

  request(): void {
    this.stats.requests++;
    this.#changed();
  }

  connected(): void {
    this.stats.connections++;
    this.#changed();
  }

  reconnecting(): void {
    this.stats.reconnects++;
    this.#changed();
  }

  bytes(count: number): void {
    this.stats.bytes += count;
    this.#changed();
  }

  /** A change reached the consumer; `at` is the server's time of it. */
  delivered(at: string): void {
    const delay = Math.max(0, Date.now() - Date.parse(at));
    this.stats.updates++;
    this.#delayTotal += delay;
    this.stats.lastDelayMs = delay;
    this.stats.meanDelayMs = this.#delayTotal / this.stats.updates;
    this.#changed();
  }

  #changed(): void {
    this.#onChange?.(this.stats);
  }
}

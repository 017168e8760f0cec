import { describe, expect, it } from 'vitest';
import { Outbox, type OutboxLimits, type Sink } from './outbox.js';

/** A socket stand-in: holds what was sent until `drain()` hands it to the "kernel". */
class FakeSink implements Sink {
  readonly delivered: string[] = [];
  #buffered: { text: string; written: (() => void) | undefined }[] = [];

  get bufferedAmount(): number {
    return this.#buffered.reduce((sum, b) => sum + Buffer.byteLength(b.text), 0);
  }

  send(text: string, written?: () => void): void {
    this.#buffered.push({ text, written });
  }

  /** The client reads everything buffered so far; write callbacks run as Node would. */
  drain(): void {
    const batch = this.#buffered;
    this.#buffered = [];
    for (const { text, written } of batch) {
      this.delivered.push(text);
      written?.();
    }
  }

  drainAll(): void {
    while (this.bufferedAmount > 0) this.drain();
  }
}

function setup(limits: Partial<OutboxLimits> = {}) {
  const sink = new FakeSink();
  const counts = { conflated: 0, dropped: 0, overflows: 0, sentBytes: 0 };
  const outbox = new Outbox(
    sink,
    { highWaterMark: 100, maxBuffered: 1000, maxHeld: 1000, ...limits },
    {
      onSent: (bytes) => (counts.sentBytes += bytes),
      onConflated: () => (counts.conflated += 1),
      onDropped: () => (counts.dropped += 1),
      onOverflow: () => (counts.overflows += 1),
    },
  );
  return { sink, outbox, counts };
}

const progress = (p: number) => (conflated: number) => JSON.stringify({ p, conflated });
const parsed = (sink: FakeSink) => sink.delivered.map((t) => JSON.parse(t) as unknown);

describe('outbox', () => {
  it('sends at once while the socket holds less than the high-water mark', () => {
    const { sink, outbox, counts } = setup();
    outbox.pushProgress('job:a', progress(1));
    outbox.pushProgress('job:a', progress(2));
    sink.drain();
    expect(parsed(sink)).toEqual([
      { p: 1, conflated: 0 },
      { p: 2, conflated: 0 },
    ]);
    expect(counts.conflated).toBe(0);
  });

  it('above the mark, collapses waiting progress to the latest and keeps lifecycle events', () => {
    const { sink, outbox, counts } = setup();
    outbox.push(JSON.stringify('x'.repeat(120))); // fills the socket past the mark: the rest waits
    for (let p = 1; p <= 50; p++) outbox.pushProgress('job:a', progress(p));
    outbox.push('"terminal"', 'job:a');
    outbox.pushProgress('job:b', progress(7));
    sink.drainAll();
    expect(parsed(sink).slice(1)).toEqual([
      { p: 50, conflated: 49 },
      'terminal',
      { p: 7, conflated: 0 },
    ]);
    expect(counts.conflated).toBe(49);
  });

  it('never lets progress pass a lifecycle event of the same key', () => {
    const { sink, outbox } = setup();
    outbox.push(JSON.stringify('x'.repeat(120)));
    outbox.pushProgress('k', progress(1));
    outbox.push('"started again"', 'k');
    outbox.pushProgress('k', progress(2));
    outbox.pushProgress('k', progress(3));
    sink.drainAll();
    expect(parsed(sink).slice(1)).toEqual([
      { p: 1, conflated: 0 },
      'started again',
      { p: 3, conflated: 1 },
    ]);
  });

  it('with credits, never has more deliveries out than granted', () => {
    const { sink, outbox } = setup();
    outbox.grant(2);
    for (let i = 1; i <= 5; i++) outbox.deliver(String(i));
    sink.drainAll();
    expect(sink.delivered).toEqual(['1', '2']);
    expect(outbox.heldCount).toBe(3);
    outbox.grant(1);
    sink.drainAll();
    expect(sink.delivered).toEqual(['1', '2', '3']);
    outbox.grant(10);
    outbox.deliver('6');
    sink.drainAll();
    expect(sink.delivered).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(outbox.credits).toBe(7);
  });

  it('holds at most maxHeld messages and drops the oldest beyond', () => {
    const { sink, outbox, counts } = setup({ maxHeld: 3 });
    outbox.grant(1);
    for (let i = 1; i <= 8; i++) outbox.deliver(String(i));
    expect(outbox.heldCount).toBe(3);
    expect(counts.dropped).toBe(4);
    outbox.grant(100);
    sink.drainAll();
    expect(sink.delivered).toEqual(['1', '6', '7', '8']);
    expect(counts.overflows).toBe(0);
  });

  it('drops held messages rather than pass the byte cap', () => {
    const { outbox, counts } = setup({ maxBuffered: 300 });
    outbox.grant(1);
    for (let i = 0; i < 10; i++) outbox.deliver('m'.repeat(60));
    expect(outbox.bufferedBytes).toBeLessThanOrEqual(300);
    expect(counts.dropped).toBeGreaterThan(0);
    expect(counts.overflows).toBe(0);
  });

  it('overflows once when what waits would pass the cap, and then accepts nothing', () => {
    const { sink, outbox, counts } = setup({ maxBuffered: 500 });
    for (let i = 0; i < 20; i++) outbox.push(`"${'y'.repeat(48)}"`);
    expect(counts.overflows).toBe(1);
    expect(outbox.peakBytes).toBeLessThanOrEqual(500);
    const before = sink.bufferedAmount;
    outbox.push('"more"');
    outbox.deliver('"more"');
    expect(sink.bufferedAmount).toBe(before);
    expect(outbox.bufferedBytes).toBe(before); // the queue was freed
  });
});

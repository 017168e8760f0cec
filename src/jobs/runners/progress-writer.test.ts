import { describe, expect, it } from 'vitest';
import { ProgressWriter } from './progress-writer.js';

describe('ProgressWriter', () => {
  it('coalesces reports while a write is in flight: one in flight, the latest waiting', async () => {
    const written: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const writer = new ProgressWriter(async (progress) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      written.push(progress);
      inFlight--;
    });
    const reports = Array.from({ length: 40_000 }, (_, i) => writer.report(i % 100, { i }));
    await Promise.all(reports); // every report resolves, each once a newer value is written
    expect(written).toEqual([0, 99]); // the first, then the latest of the 39,999 after it
    expect(writer.coalesced).toBe(39_998);
    expect(peak).toBe(1);
  });

  it('settles only once the waiting report is written, so the end comes after it', async () => {
    const written: number[] = [];
    const writer = new ProgressWriter(async (progress) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      written.push(progress);
    });
    void writer.report(10);
    void writer.report(20);
    void writer.report(30);
    await writer.settle();
    expect(written).toEqual([10, 30]);
  });

  it('goes on after a failed write (progress is not retried; the next supersedes it)', async () => {
    const written: number[] = [];
    const writer = new ProgressWriter(async (progress) => {
      await Promise.resolve();
      if (progress === 1) throw new Error('disk full');
      written.push(progress);
    });
    await Promise.all([writer.report(1), writer.report(2)]);
    expect(written).toEqual([2]);
  });
});

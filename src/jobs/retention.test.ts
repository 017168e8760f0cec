import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Store } from '../store/store.js';
import { RetentionPruner } from './retention.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('retention pruner', () => {
  it('works off a capped backlog pass after pass, a second apart, then returns to its interval', async () => {
    vi.useFakeTimers();
    const counts = [1000, 1000, 3, 0, 0];
    const passes: number[] = [];
    const store = {
      prune: vi.fn(() => {
        passes.push(Date.now());
        return Promise.resolve(counts.shift() ?? 0);
      }),
    } as unknown as Store;
    const start = Date.now();
    // One day of retention: a pass every hour.
    const pruner = new RetentionPruner(store, 86_400_000, pino({ level: 'silent' }));
    await vi.advanceTimersByTimeAsync(3_600_000 + 3000);
    expect(passes.map((at) => at - start)).toEqual([3_600_000, 3_601_000, 3_602_000, 3_603_000]);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(passes.map((at) => at - start).at(-1)).toBe(7_203_000);
    await pruner.close();
    await vi.advanceTimersByTimeAsync(7_200_000);
    expect(passes).toHaveLength(5);
  });
});

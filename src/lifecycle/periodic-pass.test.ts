import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeriodicPass } from './periodic-pass.js';

afterEach(() => {
  vi.useRealTimers();
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PeriodicPass', () => {
  it('runs on its interval, never two passes at once', async () => {
    vi.useFakeTimers();
    const gate = deferred();
    const run = vi.fn(() => gate.promise);
    const pass = new PeriodicPass({ intervalMs: 100, run, onCloseError: () => undefined });
    pass.start();
    pass.start(); // idempotent: one timer
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(300); // still in progress: no overlap
    expect(run).toHaveBeenCalledTimes(1);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(2);
    await pass.close();
  });

  it('follows a pass that left a backlog sooner, then returns to its interval', async () => {
    vi.useFakeTimers();
    const outcomes: ('backlog' | undefined)[] = ['backlog', 'backlog', undefined];
    const started: number[] = [];
    const begin = Date.now();
    const pass = new PeriodicPass({
      intervalMs: 1000,
      backlogIntervalMs: 10,
      run: () => {
        started.push(Date.now() - begin);
        return Promise.resolve(outcomes.shift());
      },
      onCloseError: () => undefined,
    });
    pass.start();
    await vi.advanceTimersByTimeAsync(2100);
    expect(started).toEqual([1000, 1010, 1020, 2020]);
    await pass.close();
  });

  it('closes only after the pass in progress, and runs none after', async () => {
    const gate = deferred();
    const run = vi.fn(() => gate.promise);
    const pass = new PeriodicPass({ intervalMs: 60_000, run, onCloseError: () => undefined });
    void pass.pass();
    let closed = false;
    const closing = pass.close().then(() => (closed = true));
    expect(pass.state).toBe('closing');
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    expect(pass.state).toBe('closed');
    await pass.pass();
    pass.start();
    expect(run).toHaveBeenCalledTimes(1);
    expect(pass.close()).toBe(pass.close()); // memoised
  });
});

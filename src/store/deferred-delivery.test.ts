import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../model/job.js';
import { DeferredDelivery } from './deferred-delivery.js';

/**
 * A large delivery that takes 40 ms by the fake clock, then another event queued: the test
 * runs the loop's timers by hand (`run`) and sees when the second is heard.
 */
function pacedPair(writesWaiting: boolean) {
  const heard: number[] = [];
  const delivery = new DeferredDelivery(
    (e) => {
      heard.push(e.seq);
      if (e.seq === 3) vi.setSystemTime(Date.now() + 40); // the fan-out took 40 ms
      return 2000; // listeners called: a large fan-out, paced
    },
    { writesWaiting: () => writesWaiting, now: () => Date.now() },
  );
  delivery.add([event('a', 3)]);
  vi.advanceTimersByTime(0); // the turn after the commit: delivered
  expect(heard).toEqual([3]);
  delivery.add([event('b', 1, 'queued')]);
  return {
    heard,
    /** Runs the loop for `ms` more (fake) milliseconds. */
    run: (ms: number) => {
      vi.advanceTimersByTime(ms);
    },
  };
}

function event(jobId: string, seq: number, kind: JobEvent['kind'] = 'progress'): JobEvent {
  return { jobId, seq, kind, status: 'running', progress: seq, at: '2026-01-01T00:00:00.000Z' };
}

describe('DeferredDelivery', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers after the commit, later in the loop, in order', () => {
    const heard: string[] = [];
    const delivery = new DeferredDelivery((e) => heard.push(`${e.jobId}${e.seq}`));
    delivery.add([event('a', 3, 'started'), event('b', 1, 'queued')]);
    expect(heard).toEqual([]); // not inside the write
    vi.advanceTimersByTime(0); // the next turn
    expect(heard).toEqual(['a3', 'b1']);
  });

  it('never conflates a small fan-out: every event is delivered', () => {
    const heard: number[] = [];
    const delivery = new DeferredDelivery((e) => {
      heard.push(e.seq);
      return 3; // listeners called
    });
    delivery.add([event('a', 3), event('a', 4), event('a', 5)]);
    delivery.flush();
    delivery.add([event('a', 6), event('a', 7)]);
    delivery.flush();
    expect(heard).toEqual([3, 4, 5, 6, 7]);
  });

  it("after a large fan-out, replaces a job's waiting progress with its newer one, never other kinds", () => {
    const heard: string[] = [];
    const delivery = new DeferredDelivery((e, conflated) => {
      heard.push(`${e.jobId}${e.seq}${e.kind === 'progress' ? `p${conflated}` : e.kind}`);
      return 2000; // listeners called: a large fan-out
    });
    delivery.add([event('a', 2, 'started')]);
    delivery.flush();
    heard.length = 0;
    delivery.add([event('a', 3), event('b', 5), event('a', 4)]);
    delivery.add([event('a', 5), event('a', 6, 'succeeded'), event('b', 6)]);
    delivery.flush();
    // a's 3, 4, 5 become 5 (2 replaced); its end is kept, after it; b's two become one.
    expect(heard).toEqual(['a5p2', 'b6p1', 'a6succeeded']);
  });

  it('after a large fan-out, pauses 3× its duration while writes wait', () => {
    const { heard, run } = pacedPair(true);
    run(119);
    expect(heard).toEqual([3]); // 3 × 40 ms not yet over
    run(1);
    expect(heard).toEqual([3, 1]);
  });

  it('after a large fan-out, delivers the next event on the next turn when no write waits', () => {
    // The pause would serve nothing: it would only delay the event (3× the 40 ms).
    const { heard, run } = pacedPair(false);
    run(0);
    expect(heard).toEqual([3, 1]);
  });
});

import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../model/job.js';
import { DeferredDelivery } from './deferred-delivery.js';

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** How long a large delivery took, then the time from its end until the next one is heard. */
async function pauseAfter(writesWaiting: boolean): Promise<{ delivery: number; pause: number }> {
  let took = 0;
  let heardFirst: () => void = () => undefined;
  let heardNext: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (heardFirst = resolve));
  const next = new Promise<void>((resolve) => (heardNext = resolve));
  const delivery = new DeferredDelivery(
    (e) => {
      if (e.seq === 3) {
        const start = performance.now();
        spin(40);
        took = performance.now() - start;
        heardFirst(); // resumes the test once this delivery has returned
      } else heardNext();
      return 2000; // listeners called: a large fan-out, paced
    },
    () => writesWaiting,
  );
  delivery.add([event('a', 3)]);
  await first;
  const end = performance.now();
  delivery.add([event('b', 1, 'queued')]);
  await next;
  return { delivery: took, pause: performance.now() - end };
}

function event(jobId: string, seq: number, kind: JobEvent['kind'] = 'progress'): JobEvent {
  return { jobId, seq, kind, status: 'running', progress: seq, at: '2026-01-01T00:00:00.000Z' };
}

describe('DeferredDelivery', () => {
  it('delivers after the commit, later in the loop, in order', async () => {
    const heard: string[] = [];
    const delivery = new DeferredDelivery((e) => heard.push(`${e.jobId}${e.seq}`));
    delivery.add([event('a', 3, 'started'), event('b', 1, 'queued')]);
    expect(heard).toEqual([]); // not inside the write
    await new Promise((resolve) => setImmediate(resolve));
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

  it('after a large fan-out, pauses about 3× its duration while writes wait', async () => {
    const { delivery, pause } = await pauseAfter(true);
    expect(pause).toBeGreaterThanOrEqual(2.5 * delivery);
  });

  it('after a large fan-out, delivers the next event at once when no write waits', async () => {
    // The pause would serve nothing: it would only delay the event (3× the 40 ms).
    const { delivery, pause } = await pauseAfter(false);
    expect(pause).toBeLessThan(delivery);
  });
});

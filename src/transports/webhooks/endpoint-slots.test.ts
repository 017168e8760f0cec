import { describe, expect, it } from 'vitest';
import type { DueDelivery } from '../../jobs/webhook-queue.js';
import { EndpointSlots, type HeldDelivery } from './endpoint-slots.js';

const A = 'http://a.example';
const B = 'http://b.example';

function delivery(id: string): DueDelivery {
  return { id, jobId: 'job', url: `${A}/hook`, payload: '{}', attempts: 0, windowStart: 0 };
}

describe('endpoint slots', () => {
  it('starts up to the limit per endpoint, holds the next ones in line, then refuses', () => {
    const slots = new EndpointSlots(1, 5000);
    expect(slots.admit(A, delivery('a1'), 0)).toBe('start');
    expect(slots.admit(B, delivery('b1'), 0)).toBe('start'); // another endpoint is not held up
    for (let i = 0; i < 8; i++) expect(slots.admit(A, delivery(`a${i + 2}`), 0)).toBe('held');
    expect(slots.admit(A, delivery('a10'), 0)).toBe('full');
    expect(slots.held).toBe(8);
  });

  it('hands a freed slot to the oldest held delivery, and takes the slot back when it does not start', () => {
    const slots = new EndpointSlots(1, 5000);
    slots.admit(A, delivery('a1'), 0);
    slots.admit(A, delivery('a2'), 0);
    slots.admit(A, delivery('a3'), 0);
    const offered: string[] = [];
    // The first offer is declined (the endpoint was paused): its slot goes to the next one.
    slots.release(A, 10, (held: HeldDelivery) => {
      offered.push(held.delivery.id);
      return held.delivery.id !== 'a2';
    });
    expect(offered).toEqual(['a2', 'a3']);
    expect(slots.held).toBe(0);
    // a3 holds the only slot now.
    expect(slots.admit(A, delivery('a4'), 10)).toBe('held');
  });

  it('drops a delivery held longer than its lease allows instead of starting it', () => {
    const slots = new EndpointSlots(1, 5000);
    slots.admit(A, delivery('a1'), 0);
    slots.admit(A, delivery('stale'), 0);
    slots.admit(A, delivery('fresh'), 4000);
    const offered: string[] = [];
    slots.release(A, 6000, (held) => {
      offered.push(held.delivery.id);
      return true;
    });
    expect(offered).toEqual(['fresh']);
    expect(slots.held).toBe(0);
  });
});

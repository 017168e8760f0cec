import { describe, expect, it } from 'vitest';
import { EVENT_KINDS, JOB_STATUSES, type EventKind, type JobStatus } from './job.js';
import { nextStatus, transition } from './state-machine.js';

/** The complete table: every (status, event kind) pair that is legal, and where it leads. */
const LEGAL: Record<string, JobStatus> = {
  'queued/started': 'running',
  'queued/canceled': 'canceled',
  'queued/failed': 'failed',
  'running/progress': 'running',
  'running/succeeded': 'succeeded',
  'running/failed': 'failed',
  'running/canceled': 'canceled',
  'running/requeued': 'queued',
  'running/retrying': 'queued',
};

const pairs: [JobStatus, EventKind][] = JOB_STATUSES.flatMap((status) =>
  EVENT_KINDS.map((kind): [JobStatus, EventKind] => [status, kind]),
);

describe('job state machine', () => {
  it.each(pairs)('%s + %s', (status, kind) => {
    const expected = LEGAL[`${status}/${kind}`];
    expect(nextStatus(status, kind)).toBe(expected);
    if (expected === undefined) {
      expect(() => transition(status, kind)).toThrowError(
        expect.objectContaining({ code: 'illegal_transition' }) as Error,
      );
    } else {
      expect(transition(status, kind)).toBe(expected);
    }
  });

  it('has no way out of a terminal status', () => {
    for (const status of ['succeeded', 'failed', 'canceled'] as const) {
      expect(EVENT_KINDS.filter((kind) => nextStatus(status, kind) !== undefined)).toEqual([]);
    }
  });

  it('never transitions on the queued kind (it only opens a log)', () => {
    expect(JOB_STATUSES.filter((s) => nextStatus(s, 'queued') !== undefined)).toEqual([]);
  });
});

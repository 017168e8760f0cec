/**
 * What a resuming client received, checked against the job's event log on the server:
 * streams must have delivered exactly the log (each seq once, in order, nothing missing —
 * an explicit `conflated: k` jump is the only allowed skip), polls only states the log went
 * through, never going back; and every client must have seen the terminal state.
 */
import { expect } from 'vitest';
import { isTerminal, type JobEvent } from '../../../src/model/job.js';
import type { ResumingClient } from './resuming-clients.js';

export interface Delivery {
  /** Events or snapshots the client received. */
  received: number;
  duplicates: number;
  gaps: number;
}

export function checkAgainstLog(client: ResumingClient, log: readonly JobEvent[]): Delivery {
  const context = `${client.transport} client`;
  const bySeq = new Map(log.map((event) => [event.seq, event]));
  const last = log.at(-1);
  expect(last && isTerminal(last.status), 'the log ends with a terminal event').toBe(true);
  expect(client.resets, context).toBe(0);
  let duplicates = 0;
  let gaps = 0;
  if (client.transport === 'sse' || client.transport === 'websocket') {
    let previous = 0;
    for (const event of client.events) {
      const expected = previous + 1 + (event.conflated ?? 0);
      if (event.seq <= previous) duplicates++;
      else if (event.seq !== expected) gaps++;
      expect(event, `${context}, seq ${event.seq}`).toMatchObject(
        stripConflated(bySeq.get(event.seq)),
      );
      previous = Math.max(previous, event.seq);
    }
    expect({ duplicates, gaps }, context).toEqual({ duplicates: 0, gaps: 0 });
    expect(client.events.at(-1)?.seq, context).toBe(last?.seq);
    return { received: client.events.length, duplicates, gaps };
  }
  let previous = 0;
  for (const snapshot of client.snapshots) {
    expect(snapshot.seq, `${context} went back`).toBeGreaterThanOrEqual(previous);
    const event = bySeq.get(snapshot.seq);
    expect(snapshot, `${context}, seq ${snapshot.seq}`).toMatchObject({
      status: event?.status,
      progress: event?.progress,
    });
    previous = snapshot.seq;
  }
  expect(client.snapshots.at(-1)?.seq, context).toBe(last?.seq);
  return { received: client.snapshots.length, duplicates, gaps };
}

function stripConflated(event: JobEvent | undefined): Partial<JobEvent> {
  if (!event) return { seq: -1 };
  const { jobId, seq, kind, status, progress, data } = event;
  return { jobId, seq, kind, status, progress, ...(data === undefined ? {} : { data }) };
}

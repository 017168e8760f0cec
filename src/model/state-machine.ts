/**
 * The one place that decides how a job's status may change.
 *
 *   queued ──started──▶ running ──succeeded──▶ succeeded
 *     │                  │  ▲ └──failed──────▶ failed
 *     │                  │  └─progress (stays running)
 *     │                  └──canceled─────────▶ canceled
 *     │                  └──requeued──▶ queued   (hand-back at shutdown or crash recovery)
 *     │                  └──retrying──▶ queued   (a retryable failure with attempts left)
 *     ├──canceled──▶ canceled
 *     └──failed────▶ failed                      (e.g. its type is no longer registered)
 *
 * The `queued` kind only ever opens a log (seq 1); it is never a transition.
 */
import { AppError } from './errors/app-error.js';
import type { EventKind, JobStatus } from './job.js';

const TRANSITIONS: Readonly<Record<JobStatus, Partial<Record<EventKind, JobStatus>>>> = {
  queued: { started: 'running', canceled: 'canceled', failed: 'failed' },
  running: {
    progress: 'running',
    succeeded: 'succeeded',
    failed: 'failed',
    canceled: 'canceled',
    requeued: 'queued',
    retrying: 'queued',
  },
  succeeded: {},
  failed: {},
  canceled: {},
};

/** Every legal transition as [from, kind, to], for stores that enforce them elsewhere (Lua). */
export function legalTransitions(): [JobStatus, EventKind, JobStatus][] {
  return Object.entries(TRANSITIONS).flatMap(([from, kinds]) =>
    Object.entries(kinds).map(
      ([kind, to]) => [from, kind, to] as [JobStatus, EventKind, JobStatus],
    ),
  );
}

/** The status a job moves to when `kind` happens in status `from`, or undefined if illegal. */
export function nextStatus(from: JobStatus, kind: EventKind): JobStatus | undefined {
  return TRANSITIONS[from][kind];
}

/** Like {@link nextStatus}, but an illegal transition is an `illegal_transition` error. */
export function transition(from: JobStatus, kind: EventKind): JobStatus {
  const to = nextStatus(from, kind);
  if (to === undefined) {
    throw new AppError('illegal_transition', `a ${from} job cannot become ${kind}`);
  }
  return to;
}

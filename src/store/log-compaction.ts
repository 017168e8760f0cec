/**
 * How long a job's event log may grow. A handler that reports progress for hours would
 * otherwise keep every update (issue 14: a log that cannot grow without bound). Every
 * `COMPACT_EVERY`-th progress event past `LOG_KEEP`, both stores delete the job's events older
 * than the newest `LOG_KEEP`, so a log holds at most `LOG_KEEP + COMPACT_EVERY` events.
 *
 * Only a prefix is ever deleted, never events in the middle, so `firstSeq` (the lowest seq
 * still held) says exactly what is gone: a client whose cursor points into the compacted part
 * gets a `reset` with the current snapshot from the job watch, as after retention; one whose
 * cursor is within the kept events resumes with no gap.
 */
export const LOG_KEEP = 1000;
export const COMPACT_EVERY = 100;

/** The highest seq to delete after writing progress event `seq`, or undefined for none. */
export function compactThrough(seq: number): number | undefined {
  if (seq % COMPACT_EVERY !== 0 || seq <= LOG_KEEP) return undefined;
  return seq - LOG_KEEP;
}

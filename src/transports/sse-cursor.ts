/**
 * Where an event stream resumes. A browser's EventSource sends back one thing when it
 * reconnects: the `id:` of the last event it received, as the `Last-Event-ID` header. So that
 * id must say everything the server needs to continue without a gap or a duplicate.
 *
 * - One job (`/jobs/:id/events`): the id is the event's `seq`.
 * - Several jobs (`/events?jobs=a,b`): the id is the event's own `jobId:seq`, followed by the
 *   position of every other job on the stream — `a:7,b:3`. An id naming only the event's job
 *   would lose the other jobs' positions on reconnect, and the stream would have to replay
 *   (duplicates) or skip (gaps) them.
 *
 * `?after=` accepts the same text, for clients that keep their own cursor.
 */
import { AppError } from '../model/errors/app-error.js';
import { isJobId } from '../model/job.js';

/** Last seq delivered, by job id. */
export type Cursors = Map<string, number>;

const SEQ = /^\d{1,15}$/;

/** Parses a single-job id (`7`); `undefined` for absent or empty text. */
export function parseSeqId(text: string | undefined, source: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!SEQ.test(text)) throw invalid(source, 'a seq (a whole number)');
  return Number(text);
}

/** Parses a multiplexed id (`jobId:seq,jobId:seq`); empty for absent or empty text. */
export function parseCursorList(text: string | undefined, source: string, max: number): Cursors {
  const cursors: Cursors = new Map();
  if (text === undefined || text === '') return cursors;
  const entries = text.split(',');
  if (entries.length > max) throw invalid(source, `at most ${max} jobId:seq pairs`);
  for (const entry of entries) {
    const colon = entry.lastIndexOf(':');
    const jobId = entry.slice(0, colon);
    const seq = entry.slice(colon + 1);
    if (colon < 0 || !isJobId(jobId) || !SEQ.test(seq)) {
      throw invalid(source, 'jobId:seq pairs separated by commas');
    }
    cursors.set(jobId, Math.max(cursors.get(jobId) ?? 0, Number(seq)));
  }
  return cursors;
}

/** The id of an event on a multiplexed stream: its own position first, then the others'. */
export function formatCursorList(jobId: string, seq: number, cursors: Cursors): string {
  let id = `${jobId}:${seq}`;
  for (const [other, at] of cursors) if (other !== jobId && at > 0) id += `,${other}:${at}`;
  return id;
}

/** Combines two sources of cursors (query and header): the furthest position wins. */
export function furthest(a: Cursors, b: Cursors): Cursors {
  const merged = new Map(a);
  for (const [jobId, seq] of b) merged.set(jobId, Math.max(merged.get(jobId) ?? 0, seq));
  return merged;
}

function invalid(source: string, expected: string): AppError {
  return new AppError('invalid_event_id', `${source} must be ${expected}`);
}

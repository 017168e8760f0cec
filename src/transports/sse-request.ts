/**
 * What a multiplexed event stream (`GET /events`) asks to follow: `jobs=<id>,<id>` and
 * `topics=jobs`, validated into catalogue errors before anything is streamed.
 */
import { AppError } from '../model/errors/app-error.js';
import { isJobId } from '../model/job.js';

/** Jobs one multiplexed stream may follow; every event's id names them all. */
export const MAX_STREAM_JOBS = 20;
const TOPICS = ['jobs'] as const;

/** The distinct job ids of `jobs=` (empty when absent). */
export function parseJobList(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const ids = [...new Set(text.split(','))];
  if (ids.length > MAX_STREAM_JOBS) {
    throw new AppError(
      'too_many_jobs',
      `one stream follows at most ${MAX_STREAM_JOBS} jobs; got ${ids.length}`,
    );
  }
  const bad = ids.find((id) => !isJobId(id));
  if (bad !== undefined) throw new AppError('invalid_job_id', `jobs: "${bad}" is not a job id`);
  return ids;
}

/** True when `topics=` asks for every job's events (the only topic here). */
export function parseTopics(text: string | undefined): boolean {
  if (text === undefined || text === '') return false;
  for (const topic of text.split(',')) {
    if (!(TOPICS as readonly string[]).includes(topic)) {
      throw new AppError(
        'invalid_request',
        `unknown topic "${topic}"; known: ${TOPICS.join(', ')}`,
      );
    }
  }
  return true;
}

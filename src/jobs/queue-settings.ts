/**
 * A submit's queue settings, resolved: what the request says, else the job type's defaults,
 * else the built-in ones (model/queue-options.ts), checked against the documented bounds. A
 * delay becomes a due time on the deployment's clock here, once, so every node agrees on it.
 * `keepFor` is clamped to the server's cap here too, so the job records the retention it gets.
 */
import { AppError } from '../model/errors/app-error.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  DEFAULT_PRIORITY,
  keepForMs,
  MAX_DELAY_MS,
  queueOptionsProblem,
  type QueueOptions,
} from '../model/queue-options.js';
import type { NewJob } from '../store/store.js';
import type { AnyJobType } from './job-type.js';

export type QueueSettings = Pick<
  NewJob,
  'maxAttempts' | 'backoff' | 'priority' | 'runAt' | 'keepForMs'
>;

/**
 * `maxKeepForMs`: the longest a job may keep itself (`--max-keep-for`, or `--retention` when
 * that is longer); a longer `keepFor` is kept this long instead.
 */
export function queueSettings(
  request: QueueOptions & { runAt?: string },
  type: AnyJobType | undefined,
  clock: () => number,
  maxKeepForMs: number = Number.POSITIVE_INFINITY,
): QueueSettings {
  const problem = queueOptionsProblem(request);
  if (problem !== undefined) throw invalid(problem.split(' ')[0] ?? 'body', problem);
  if (request.runAt !== undefined && request.delayMs !== undefined) {
    throw invalid('runAt', 'runAt and delay cannot both be given');
  }
  const now = clock();
  let runAt = request.delayMs === undefined ? undefined : now + request.delayMs;
  if (request.runAt !== undefined) {
    runAt = Date.parse(request.runAt);
    if (Number.isNaN(runAt)) throw invalid('runAt', 'runAt must be an ISO 8601 date-time');
    if (runAt - now > MAX_DELAY_MS) throw invalid('runAt', 'runAt must be within 366 days');
  }
  const maxAttempts = request.attempts ?? type?.attempts ?? DEFAULT_ATTEMPTS;
  const settings: QueueSettings = {
    maxAttempts,
    priority: request.priority ?? type?.priority ?? DEFAULT_PRIORITY,
  };
  if (maxAttempts > 1) settings.backoff = request.backoff ?? type?.backoff ?? DEFAULT_BACKOFF;
  if (runAt !== undefined && runAt > now) settings.runAt = runAt;
  const keepFor = request.keepFor ?? type?.keepFor;
  const keepMs = keepFor === undefined ? undefined : keepForMs(keepFor);
  if (keepMs !== undefined) settings.keepForMs = Math.min(keepMs, maxKeepForMs);
  return settings;
}

function invalid(field: string, message: string): AppError {
  return new AppError('invalid_request', message, { errors: [{ field, message }] });
}

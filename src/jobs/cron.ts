/**
 * Cron expressions and time zones, read by croner: the checks a new schedule passes and the
 * next tick after a moment.
 */
import { Cron } from 'croner';
import { AppError } from '../model/errors/app-error.js';

/** An IANA zone name the runtime knows, or `invalid_timezone`. */
export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new AppError('invalid_timezone', `${timezone} is not an IANA time zone name`, {
      errors: [{ field: 'timezone', message: 'is not an IANA time zone name' }],
    });
  }
}

/** The first tick after `after` (ms), or undefined; `invalid_cron` for a bad expression. */
export function firstTick(cron: string, timezone: string, after: number): number | undefined {
  checkTimezone(timezone);
  let pattern: Cron;
  try {
    pattern = new Cron(cron, { timezone, paused: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : 'is not a cron expression';
    throw new AppError('invalid_cron', `cron: ${message}`, {
      errors: [{ field: 'cron', message }],
    });
  }
  return pattern.nextRun(new Date(after))?.getTime();
}

/** The first tick strictly after `after` (ms) of an expression already checked. */
export function nextTick(cron: string, timezone: string, after: number): number | undefined {
  return new Cron(cron, { timezone, paused: true }).nextRun(new Date(after))?.getTime();
}

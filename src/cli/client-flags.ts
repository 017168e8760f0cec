/**
 * The values of the client commands' flags, parsed for commander (a bad one is a usage error,
 * exit 2, naming what was expected), and the queue flags that `submit` and
 * `schedules create` share.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { PRIORITY_MAX, PRIORITY_MIN, type BackoffPolicy } from '../client/index.js';
import { parseDuration } from '../model/duration.js';

/** What the queue flags parse to. */
export interface QueueFlags {
  attempts?: number;
  backoff?: BackoffPolicy;
  priority?: number;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidArgumentError('not valid JSON');
  }
}

export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new InvalidArgumentError('a whole number from 1 to 100');
  }
  return limit;
}

export function integer(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new InvalidArgumentError('a whole number');
  return value;
}

export function wholeNumber(text: string): number {
  const value = integer(text);
  if (value < 0) throw new InvalidArgumentError('a whole number, 0 or more');
  return value;
}

/** `90s`, `1h`, `7d` or ms; the server checks the bounds (and names the field). */
export function duration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError('a duration such as 90s, 1h, 7d, or ms');
  return ms;
}

/** `exponential:1000`, `fixed:500`, `exponential:1000:60000` (type, delay, cap in ms). */
export function parseBackoff(text: string): BackoffPolicy {
  const [type, delay, max] = text.split(':');
  if ((type !== 'fixed' && type !== 'exponential') || delay === undefined) {
    throw new InvalidArgumentError('fixed:<ms> or exponential:<ms>[:<max ms>]');
  }
  const policy: BackoffPolicy = { type, delayMs: wholeNumber(delay) };
  if (max !== undefined) policy.maxDelayMs = wholeNumber(max);
  return policy;
}

/** `--attempts`, `--backoff` and `--priority`, for a job or for each job of a schedule. */
export function queueFlags(command: Command): Command {
  return command
    .option(
      '--attempts <n>',
      'runs it may have in all; failures before the last are retried',
      wholeNumber,
    )
    .option(
      '--backoff <type:ms[:maxMs]>',
      'the wait before each retry, e.g. exponential:1000:60000 or fixed:500',
      parseBackoff,
    )
    .option(
      '--priority <n>',
      `higher runs first (${PRIORITY_MIN} to ${PRIORITY_MAX}, default 0)`,
      integer,
    );
}

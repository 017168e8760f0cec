/**
 * What makes a job type definition usable, checked when it is registered: a definition from
 * someone else's module (`--job-types`) is only data until then, and a mistake in it must stop
 * the server at start with its reason, not fail the first job that uses it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { queueOptionsProblem, type QueueOptions } from '../model/queue-options.js';

/** Names appear in requests (`type`), filters (`?type=`) and logs: short, plain, no spaces. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The first thing wrong with `value` as a job type definition, or undefined when it is fine. */
export function jobTypeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'is not a job type object (make it with defineJobType)';
  }
  const type = value as Record<string, unknown>;
  if (typeof type.name !== 'string' || !NAME_PATTERN.test(type.name)) {
    return 'name must be 1–64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit';
  }
  if (typeof type.description !== 'string') return 'description must be a string';
  if (typeof type.input !== 'object' || type.input === null || Array.isArray(type.input)) {
    return 'input must be a JSON Schema (a TypeBox schema such as Type.Object({...}))';
  }
  const timeoutMs = type.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    return 'timeoutMs must be a whole number of milliseconds, at least 1';
  }
  if (type.check !== undefined && typeof type.check !== 'function') {
    return 'check must be a function when given';
  }
  const queueProblem = queueOptionsProblem({
    attempts: type.attempts,
    backoff: type.backoff,
    priority: type.priority,
    keepFor: type.keepFor,
  } as QueueOptions);
  if (queueProblem !== undefined) return queueProblem;
  const { concurrency } = type;
  if (
    concurrency !== undefined &&
    !(typeof concurrency === 'number' && Number.isSafeInteger(concurrency) && concurrency >= 1)
  ) {
    return 'concurrency must be a whole number, at least 1, when given';
  }
  switch (type.execution) {
    case 'io':
      if (typeof type.handler !== 'function') return 'an io job type needs a handler function';
      return undefined;
    case 'cpu': {
      const task = type.task as { module?: unknown } | undefined;
      if (typeof task?.module !== 'string' || !task.module.startsWith('file:')) {
        return 'a cpu job type needs task: { module } with the file: URL of a workerTask module';
      }
      if (!existsSync(fileURLToPath(task.module))) {
        return `its task module ${fileURLToPath(task.module)} does not exist`;
      }
      return undefined;
    }
    case 'external':
      return undefined;
    default:
      return 'execution must be "io", "cpu" or "external"';
  }
}

/**
 * Loads the job types external workers run (`--external-job-types <file>`,
 * EXTERNAL_JOB_TYPES): a JSON array of `{ name, description, input, timeoutMs?, concurrency? }`,
 * where `input` is the JSON Schema every submit is validated against, exactly as a built-in
 * type's.
 * A team whose workers are in Python or Go declares its types here without writing any
 * JavaScript; a job-types module may declare them too (`execution: 'external'`). Whatever is
 * wrong becomes one OptionsError naming the option, the file and the reason.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TSchema } from 'typebox';
import { OPTION_SPECS } from '../config/options.js';
import { OptionsError } from '../model/errors/options-error.js';
import type { AnyJobType } from './job-type.js';
import { JobTypeRegistry } from './registry.js';

/** A worker's time budget when the file names none: one hour. */
export const DEFAULT_EXTERNAL_TIMEOUT_MS = 3_600_000;

export function loadExternalJobTypes(
  file: string,
  alongside: readonly AnyJobType[] = [],
): AnyJobType[] {
  const path = resolve(file);
  const failure = (reason: string) => {
    const { flag, env } = OPTION_SPECS.externalJobTypes;
    return new OptionsError(`${flag} (${env}) ${path}: ${reason}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw failure(
      code === 'ENOENT' ? 'no such file' : `not readable JSON: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw failure('must be a non-empty JSON array of { name, description, input, timeoutMs }');
  }
  const registry = new JobTypeRegistry(alongside);
  return parsed.map((entry: unknown, i) => {
    const given = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    const type = {
      name: given.name,
      description: given.description ?? '',
      input: given.input ?? { type: 'object' },
      timeoutMs: given.timeoutMs ?? DEFAULT_EXTERNAL_TIMEOUT_MS,
      execution: 'external',
      // Checked by the registry like a module's: a whole number, at least 1 (docs/queue.md).
      ...(given.concurrency !== undefined && { concurrency: given.concurrency }),
    } as unknown as AnyJobType & { input: TSchema };
    try {
      registry.register(type);
    } catch (error) {
      throw failure(`entry [${i}]: ${(error as Error).message}`);
    }
    return type;
  });
}

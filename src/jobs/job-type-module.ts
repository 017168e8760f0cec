/**
 * Loads the job types of a user's module (`--job-types <file>`, JOB_TYPES): its default export
 * (one job type or an array of them) and every named export that is a job type. Whatever is
 * wrong — no such file, TypeScript without a loader, an import that throws, nothing exported,
 * an invalid definition, a name already taken — becomes one OptionsError naming the option,
 * the file and the reason, which the CLI prints as one line before exiting 2.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OPTION_SPECS } from '../config/options.js';
import { OptionsError } from '../model/errors/options-error.js';
import type { AnyJobType } from './job-type.js';
import { JobTypeRegistry } from './registry.js';

/**
 * The job types exported by the module at `file` (relative to the working directory), checked
 * as definitions and against the names of `alongside` (the types registered beside them).
 */
export async function loadJobTypeModule(
  file: string,
  alongside: readonly AnyJobType[] = [],
): Promise<AnyJobType[]> {
  const path = resolve(file);
  const failure = (reason: string) => {
    const { flag, env } = OPTION_SPECS.jobTypes;
    return new OptionsError(`${flag} (${env}) ${path}: ${reason}`);
  };
  if (!existsSync(path)) throw failure('no such file');

  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw failure(importFailure(error));
  }

  const found = jobTypeExports(exports);
  if (found.length === 0) {
    throw failure(
      'exports no job types: export default defineJobType({...}) (or an array of them), or export them by name',
    );
  }
  const registry = new JobTypeRegistry();
  for (const type of alongside) registry.register(type);
  for (const { type, where } of found) {
    try {
      registry.register(type);
    } catch (error) {
      throw failure(`${where}: ${(error as Error).message}`);
    }
  }
  return found.map(({ type }) => type);
}

interface Found {
  type: AnyJobType;
  /** Which export it came from, for error messages. */
  where: string;
}

/** The default export's job types, then named exports that look like job types; no repeats. */
function jobTypeExports(exports: Record<string, unknown>): Found[] {
  const found: Found[] = [];
  const seen = new Set<unknown>();
  const add = (value: unknown, where: string) => {
    if (seen.has(value)) return;
    seen.add(value);
    found.push({ type: value as AnyJobType, where });
  };
  const fallback = exports.default;
  if (Array.isArray(fallback)) {
    for (const [i, value] of fallback.entries()) add(value, `default export [${i}]`);
  } else if (fallback !== undefined) add(fallback, 'the default export');
  for (const [name, value] of Object.entries(exports)) {
    if (name !== 'default' && looksLikeJobType(value)) add(value, `export "${name}"`);
  }
  return found;
}

/** Named exports may also be helpers or constants; a job type says how it executes. */
function looksLikeJobType(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'execution' in value;
}

function importFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return 'cannot import this file type here; for TypeScript, build it to JavaScript or run the command through tsx (npx tsx …)';
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `importing it threw ${message.split('\n')[0] ?? ''}`;
}

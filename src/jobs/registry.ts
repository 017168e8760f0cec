/**
 * The registry of job types: looks them up by name and turns a raw request input into a
 * validated, normalised one (schema defaults applied) or a precise 400.
 */
import { Compile, type Validator } from 'typebox/compile';
import { AppError } from '../model/errors/app-error.js';
import type { AnyJobType } from './job-type.js';
import { jobTypeProblem } from './job-type-check.js';
import type { JobTypeDescription } from '../model/job-type-description.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../model/json-depth.js';
import { fieldErrors } from '../model/schema-errors.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  DEFAULT_PRIORITY,
  keepForMs,
} from '../model/queue-options.js';

interface Entry {
  type: AnyJobType;
  validator: Validator;
}

export class JobTypeRegistry {
  readonly #entries = new Map<string, Entry>();

  constructor(types: readonly AnyJobType[] = []) {
    for (const type of types) this.register(type);
  }

  /**
   * Adds a job type; throws an Error saying what is wrong with a definition that is not
   * usable (see job-type-check.ts), a schema that does not compile, or a name already taken.
   */
  register(type: AnyJobType): this {
    const problem = jobTypeProblem(type);
    if (problem !== undefined) {
      const name = (type as { name?: unknown } | null)?.name;
      throw new Error(typeof name === 'string' ? `job type "${name}": ${problem}` : problem);
    }
    if (this.#entries.has(type.name)) {
      throw new Error(`job type "${type.name}" is already registered`);
    }
    let validator: Validator;
    try {
      validator = Compile(type.input);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`job type "${type.name}": its input schema does not compile: ${reason}`, {
        cause: error,
      });
    }
    this.#entries.set(type.name, { type, validator });
    return this;
  }

  get(name: string): AnyJobType | undefined {
    return this.#entries.get(name)?.type;
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** The types external workers run over HTTP: what a runner must not claim. */
  externalNames(): string[] {
    return this.names().filter((name) => this.isExternal(name));
  }

  /** The types with a concurrency limit of their own, and that limit (what a claim enforces). */
  concurrencyLimits(): Readonly<Record<string, number>> {
    const limits: Record<string, number> = {};
    for (const { type } of this.#entries.values()) {
      if (type.concurrency !== undefined) limits[type.name] = type.concurrency;
    }
    return limits;
  }

  /** One type's concurrency limit, if it has one: the lookup a start or an end of a job makes. */
  concurrencyOf(name: string): number | undefined {
    return this.#entries.get(name)?.type.concurrency;
  }

  /** True for a registered type whose jobs external workers claim over HTTP (docs/workers.md). */
  isExternal(name: string): boolean {
    return this.#entries.get(name)?.type.execution === 'external';
  }

  describe(): JobTypeDescription[] {
    return [...this.#entries.values()].map(({ type }) => {
      const description: JobTypeDescription = {
        name: type.name,
        description: type.description,
        execution: type.execution,
        timeoutMs: type.timeoutMs,
        attempts: type.attempts ?? DEFAULT_ATTEMPTS,
        backoff: type.backoff ?? DEFAULT_BACKOFF,
        priority: type.priority ?? DEFAULT_PRIORITY,
        inputSchema: type.input,
      };
      const keepFor = type.keepFor === undefined ? undefined : keepForMs(type.keepFor);
      if (keepFor !== undefined) description.keepFor = keepFor;
      if (type.concurrency !== undefined) description.concurrency = type.concurrency;
      return description;
    });
  }

  /**
   * Validates `input` for job type `name`: `unknown_job_type` (listing the known types),
   * `invalid_input` (naming every bad field), or whatever the type's own check throws.
   * Returns the input with schema defaults applied; the argument is not modified.
   */
  async parseInput(name: string, input: unknown): Promise<unknown> {
    const entry = this.#entries.get(name);
    if (!entry) {
      const knownTypes = this.names();
      throw new AppError(
        'unknown_job_type',
        `unknown job type "${name}"; known types: ${knownTypes.join(', ')}`,
        { knownTypes },
      );
    }
    if (nestsDeeperThan(input, MAX_JSON_DEPTH)) {
      const message = `nests deeper than ${MAX_JSON_DEPTH} levels`;
      throw new AppError('invalid_input', `input ${message}`, {
        errors: [{ field: 'input', message }],
      });
    }
    const normalised = entry.validator.Default(structuredClone(input ?? {}));
    if (!entry.validator.Check(normalised)) {
      const errors = fieldErrors(entry.validator.Errors(normalised), 'input');
      const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
      throw new AppError('invalid_input', detail, { errors });
    }
    await entry.type.check?.(normalised);
    return normalised;
  }
}

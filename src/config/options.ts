/**
 * Server options: one literal of defaults, one table that says how each option is spelled as a
 * CLI flag and an environment variable, and one validation that names the option at fault.
 * Precedence: CLI flag, then environment variable, then default.
 */
import { resolve } from 'node:path';
import { parseTrustedProxies } from '../auth/client-address.js';
import { parseOriginList } from '../auth/origin-policy.js';
import { OPTION_SPECS } from './option-specs.js';
import { OptionsError } from '../model/errors/options-error.js';
import { parseDuration } from '../model/duration.js';
import { parseBoolean, parseInteger, parseSize } from './parse-value.js';
import { DEFAULT_OPTIONS, type ServerOptions } from './server-options.js';

export { OptionsError };
export { DEFAULT_OPTIONS, LOG_LEVELS, type ServerOptions } from './server-options.js';
export { OPTION_SPECS, type OptionSpec } from './option-specs.js';

type OptionKey = keyof ServerOptions;
const OPTION_KEYS = Object.keys(OPTION_SPECS) as OptionKey[];

/** Options from text sources: `flags` (already split by the CLI parser) win over `env`. */
export function optionsFromText(
  flags: Partial<Record<OptionKey, string>>,
  env: Record<string, string | undefined>,
): ServerOptions {
  const given: Partial<Record<OptionKey, unknown>> = {};
  for (const key of OPTION_KEYS) {
    const spec = OPTION_SPECS[key];
    const fromFlag = flags[key];
    const text = fromFlag ?? env[spec.env];
    if (text === undefined || text === '') continue;
    const source = fromFlag !== undefined ? spec.flag : spec.env;
    given[key] = parseText(key, text, source);
  }
  return resolveOptions(given as Partial<ServerOptions>);
}

/** Fills defaults and validates every option, naming the option in any error. */
export function resolveOptions(given: Partial<ServerOptions> = {}): ServerOptions {
  const defined: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given) as [string, unknown][]) {
    if (value !== undefined) defined[key] = value;
  }
  const options: ServerOptions = { ...DEFAULT_OPTIONS, ...defined };
  for (const key of OPTION_KEYS) validate(key, options[key]);
  if (options.headersTimeout > options.requestTimeout) {
    throw new OptionsError(
      `${OPTION_SPECS.headersTimeout.flag} (${options.headersTimeout} ms) must not exceed ${OPTION_SPECS.requestTimeout.flag} (${options.requestTimeout} ms)`,
    );
  }
  checkWebSocketOptions(options);
  checkListOptions(options);
  checkJwtOptions(options);
  return options;
}

/** JWTs need one key source and an audience; a JWKS is fetched over HTTP(S) only. */
function checkJwtOptions(options: ServerOptions): void {
  const { jwtSecret, jwksUrl, jwtAudience } = OPTION_SPECS;
  const name = (spec: { flag: string; env: string }) => `${spec.flag} (${spec.env})`;
  if (options.jwtSecret !== undefined && options.jwksUrl !== undefined) {
    throw new OptionsError(`${name(jwtSecret)} and ${name(jwksUrl)} exclude each other`);
  }
  if (options.jwksUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.jwksUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new OptionsError(`${name(jwksUrl)} must be an https:// (or http://) URL`);
    }
  }
  const jwtOn = options.jwtSecret !== undefined || options.jwksUrl !== undefined;
  if (jwtOn && options.jwtAudience === undefined) {
    throw new OptionsError(
      `${name(jwtAudience)} is required with ${jwtSecret.flag} or ${jwksUrl.flag}: without it, a token the identity provider issued for any other service would be accepted`,
    );
  }
}

function checkWebSocketOptions(options: ServerOptions): void {
  const cap = OPTION_SPECS.wsMaxBuffered.flag;
  for (const key of ['wsHighWaterMark', 'wsMaxPayload'] as const) {
    if (options[key] >= options.wsMaxBuffered) {
      throw new OptionsError(
        `${OPTION_SPECS[key].flag} (${options[key]}) must be below ${cap} (${options.wsMaxBuffered})`,
      );
    }
  }
}

/** The list options are parsed again where they are used; here they fail at start. */
function checkListOptions(options: ServerOptions): void {
  try {
    parseOriginList(options.origins);
  } catch (error) {
    const { flag, env } = OPTION_SPECS.origins;
    throw new OptionsError(`${flag} (${env}): ${(error as Error).message}`);
  }
  try {
    parseTrustedProxies(options.trustProxy);
  } catch (error) {
    const { flag, env } = OPTION_SPECS.trustProxy;
    throw new OptionsError(`${flag} (${env}): ${(error as Error).message}`);
  }
}

/** The SQLite path the options select, absolute unless it is `:memory:`. */
export function databasePath(options: ServerOptions): string {
  if (options.db === ':memory:') return options.db;
  return resolve(options.db ?? resolve(options.dataDir, 'jobs.db'));
}

function parseText(key: OptionKey, text: string, source: string): unknown {
  const spec = OPTION_SPECS[key];
  const parsed =
    spec.kind === 'integer'
      ? parseInteger(text)
      : spec.kind === 'duration'
        ? parseDuration(text)
        : spec.kind === 'size'
          ? parseSize(text)
          : spec.kind === 'boolean'
            ? parseBoolean(text)
            : text;
  if (parsed === undefined) {
    const expected = {
      integer: 'a whole number',
      duration: 'a duration such as 500ms, 30s, 10m, 24h',
      size: 'a size such as 65536, 64kb, 1mb',
      string: 'text',
      choice: 'one of the choices',
      boolean: 'true or false',
    }[spec.kind];
    throw new OptionsError(`${source}: "${text}" is not ${expected}`);
  }
  return parsed;
}

function validate(key: OptionKey, value: unknown): void {
  const spec = OPTION_SPECS[key];
  const name = `${spec.flag} (${spec.env})`;
  // Options whose default is "not set" may stay unset.
  if (value === undefined && DEFAULT_OPTIONS[key] === undefined) return;
  if (
    (key === 'tokenSecret' || key === 'jwtSecret') &&
    typeof value === 'string' &&
    value.length < 32
  ) {
    throw new OptionsError(`${name} must be at least 32 characters`);
  }
  if (key === 'redis' && (typeof value !== 'string' || !/^rediss?:\/\//.test(value))) {
    throw new OptionsError(`${name} must be a redis:// or rediss:// URL`);
  }
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string' || value.length === 0) {
        throw new OptionsError(`${name} must be a non-empty string`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw new OptionsError(`${name} must be true or false`);
      return;
    case 'choice':
      if (typeof value !== 'string' || !spec.choices?.includes(value)) {
        throw new OptionsError(`${name} must be one of: ${spec.choices?.join(', ') ?? ''}`);
      }
      return;
    default:
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        throw new OptionsError(`${name} must be a whole number`);
      }
      if (spec.min !== undefined && value < spec.min) {
        throw new OptionsError(`${name} must be at least ${spec.min}, got ${value}`);
      }
      if (spec.max !== undefined && value > spec.max) {
        throw new OptionsError(`${name} must be at most ${spec.max}, got ${value}`);
      }
  }
}

/** The default of option `key` as people write it: `24h`, `64kb`, `<data-dir>/jobs.db`. */
export function defaultText(key: OptionKey): string {
  const spec = OPTION_SPECS[key];
  if (spec.defaultText !== undefined) return spec.defaultText;
  const value = DEFAULT_OPTIONS[key];
  if (typeof value !== 'number') return String(value);
  if (spec.kind === 'duration') return formatWithUnit(value, DURATION_UNIT_STEPS);
  if (spec.kind === 'size') return formatWithUnit(value, SIZE_UNIT_STEPS);
  return String(value);
}

const DURATION_UNIT_STEPS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const SIZE_UNIT_STEPS: readonly [string, number][] = [
  ['mb', 1024 ** 2],
  ['kb', 1024],
  ['', 1],
];

function formatWithUnit(value: number, steps: readonly [string, number][]): string {
  for (const [unit, size] of steps) {
    if (value >= size && value % size === 0) return `${value / size}${unit}`;
  }
  return String(value);
}

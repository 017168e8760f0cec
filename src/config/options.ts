/**
 * Server options: one literal of defaults, one table that says how each option is spelled as a
 * CLI flag and an environment variable, and one validation that names the option at fault.
 * Precedence: CLI flag, then environment variable, then default.
 */
import { resolve } from 'node:path';
import { defaultPoolSize } from '../execution/worker-pool.js';
import { parseOriginList } from '../transports/websocket/origin-policy.js';
import { parseBoolean, parseDuration, parseInteger, parseSize } from './parse-value.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ServerOptions {
  port: number;
  host: string;
  dataDir: string;
  /** SQLite file; `undefined` means `<dataDir>/jobs.db`; `:memory:` keeps nothing. */
  db: string | undefined;
  sqliteSynchronous: 'normal' | 'full';
  concurrency: number;
  cpuWorkers: number;
  recovery: 'requeue' | 'fail';
  maxAttempts: number;
  retention: number;
  pollInterval: number;
  longPollMaxWait: number;
  sseHeartbeat: number;
  sseRetry: number;
  sseMaxBuffer: number;
  bodyLimit: number;
  requestTimeout: number;
  headersTimeout: number;
  shutdownTimeout: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Redis URL; `undefined` selects the embedded SQLite store. */
  redis: string | undefined;
  redisPrefix: string;
  /** With --redis: whether this process also runs job handlers (a worker always does). */
  runJobs: boolean;
  stallTimeout: number;
  wsHeartbeat: number;
  wsMaxPayload: number;
  wsHighWaterMark: number;
  wsMaxBuffered: number;
  wsMaxHeld: number;
  wsMaxConnectionsPerIp: number;
  wsMaxSubscriptions: number;
  wsPublishRate: number;
  wsOrigins: string;
  wsAllowNullOrigin: boolean;
}

export const DEFAULT_OPTIONS: Readonly<ServerOptions> = {
  port: 8000,
  host: 'localhost',
  dataDir: './data',
  db: undefined,
  sqliteSynchronous: 'normal',
  concurrency: 8,
  cpuWorkers: defaultPoolSize(),
  recovery: 'requeue',
  maxAttempts: 3,
  retention: 24 * 3_600_000,
  pollInterval: 2000,
  longPollMaxWait: 60_000,
  sseHeartbeat: 15_000,
  sseRetry: 3000,
  sseMaxBuffer: 1024 ** 2,
  bodyLimit: 64 * 1024,
  requestTimeout: 30_000,
  headersTimeout: 10_000,
  shutdownTimeout: 10_000,
  logLevel: 'info',
  redis: undefined,
  redisPrefix: 'bp:',
  runJobs: true,
  stallTimeout: 30_000,
  // Socket.IO's ping interval: rare enough to cost nothing, short enough to notice a dead peer.
  wsHeartbeat: 25_000,
  wsMaxPayload: 64 * 1024,
  wsHighWaterMark: 64 * 1024,
  wsMaxBuffered: 1024 ** 2,
  wsMaxHeld: 1000,
  wsMaxConnectionsPerIp: 100,
  wsMaxSubscriptions: 100,
  wsPublishRate: 20,
  wsOrigins: 'same-host',
  wsAllowNullOrigin: false,
};

type Kind = 'integer' | 'string' | 'duration' | 'size' | 'choice' | 'boolean';

export interface OptionSpec {
  flag: string;
  env: string;
  kind: Kind;
  description: string;
  choices?: readonly string[];
  /** How the default reads in help and docs when the value alone would mislead. */
  defaultText?: string;
  /** Also an option of `backend-patterns worker` (which has no HTTP side). */
  worker?: boolean;
  min?: number;
  max?: number;
}

export const OPTION_SPECS: Readonly<Record<keyof ServerOptions, OptionSpec>> = {
  port: {
    flag: '--port',
    env: 'PORT',
    kind: 'integer',
    min: 0,
    max: 65535,
    description: 'HTTP port (0 picks a free one)',
  },
  host: {
    flag: '--host',
    env: 'HOST',
    kind: 'string',
    description: 'interface to listen on; 0.0.0.0 exposes the server',
  },
  dataDir: {
    flag: '--data-dir',
    env: 'DATA_DIR',
    kind: 'string',
    description: 'directory for the database and the files hash-file may read',
    worker: true,
  },
  db: {
    flag: '--db',
    env: 'DB_PATH',
    kind: 'string',
    defaultText: '<data-dir>/jobs.db',
    description: 'SQLite file; :memory: keeps nothing',
  },
  sqliteSynchronous: {
    flag: '--sqlite-synchronous',
    env: 'SQLITE_SYNCHRONOUS',
    kind: 'choice',
    choices: ['normal', 'full'],
    description: 'normal survives process crashes; full also survives power loss',
  },
  concurrency: {
    flag: '--concurrency',
    env: 'CONCURRENCY',
    kind: 'integer',
    min: 1,
    max: 10_000,
    description: 'jobs running at once',
    worker: true,
  },
  cpuWorkers: {
    flag: '--cpu-workers',
    env: 'CPU_WORKERS',
    kind: 'integer',
    min: 1,
    max: 256,
    defaultText: 'cores - 1',
    description: 'worker threads for CPU-bound jobs',
    worker: true,
  },
  recovery: {
    flag: '--recovery',
    env: 'RECOVERY',
    kind: 'choice',
    choices: ['requeue', 'fail'],
    description: 'jobs interrupted by a crash or shutdown: run again, or fail as interrupted',
    worker: true,
  },
  maxAttempts: {
    flag: '--max-attempts',
    env: 'MAX_ATTEMPTS',
    kind: 'integer',
    min: 1,
    max: 100,
    description: 'with requeue: a job interrupted after this many starts fails instead',
    worker: true,
  },
  retention: {
    flag: '--retention',
    env: 'RETENTION',
    kind: 'duration',
    min: 1000,
    description: 'how long finished jobs and their events are kept',
  },
  pollInterval: {
    flag: '--poll-interval',
    env: 'POLL_INTERVAL',
    kind: 'duration',
    min: 1000,
    description: 'Retry-After hint for short-polling clients (whole seconds)',
  },
  longPollMaxWait: {
    flag: '--long-poll-max-wait',
    env: 'LONG_POLL_MAX_WAIT',
    kind: 'duration',
    min: 1000,
    max: 10 * 60_000,
    description: 'longest a long poll is held; a larger wait is shortened to this',
  },
  sseHeartbeat: {
    flag: '--sse-heartbeat',
    env: 'SSE_HEARTBEAT',
    kind: 'duration',
    min: 100,
    max: 15_000,
    description: 'idle time before an event stream sends a heartbeat comment',
  },
  sseRetry: {
    flag: '--sse-retry',
    env: 'SSE_RETRY',
    kind: 'duration',
    min: 100,
    max: 60_000,
    description: 'retry hint: how long event-stream clients wait before reconnecting',
  },
  sseMaxBuffer: {
    flag: '--sse-max-buffer',
    env: 'SSE_MAX_BUFFER',
    kind: 'size',
    min: 64 * 1024,
    max: 64 * 1024 ** 2,
    description:
      'bytes of updates a slow event-stream client may have waiting before it is cut off',
  },
  bodyLimit: {
    flag: '--body-limit',
    env: 'BODY_LIMIT',
    kind: 'size',
    min: 1024,
    max: 64 * 1024 ** 2,
    description: 'largest request body accepted',
  },
  requestTimeout: {
    flag: '--request-timeout',
    env: 'REQUEST_TIMEOUT',
    kind: 'duration',
    min: 1000,
    description: 'time a client has to send a whole request',
  },
  headersTimeout: {
    flag: '--headers-timeout',
    env: 'HEADERS_TIMEOUT',
    kind: 'duration',
    min: 1000,
    description: 'time a client has to send the request headers',
  },
  shutdownTimeout: {
    flag: '--shutdown-timeout',
    env: 'SHUTDOWN_TIMEOUT',
    kind: 'duration',
    min: 0,
    description: 'deadline for a graceful shutdown on SIGTERM/SIGINT',
    worker: true,
  },
  logLevel: {
    flag: '--log-level',
    env: 'LOG_LEVEL',
    kind: 'choice',
    choices: LOG_LEVELS,
    description: 'pino log level',
    worker: true,
  },
  redis: {
    flag: '--redis',
    env: 'REDIS_URL',
    kind: 'string',
    defaultText: 'none: embedded SQLite',
    description:
      'Redis URL (redis://host:port): store, queue and bus in Redis, for several processes',
    worker: true,
  },
  redisPrefix: {
    flag: '--redis-prefix',
    env: 'REDIS_PREFIX',
    kind: 'string',
    description: 'prefix of every Redis key, so deployments can share a Redis',
    worker: true,
  },
  runJobs: {
    flag: '--run-jobs',
    env: 'RUN_JOBS',
    kind: 'boolean',
    description: 'with --redis: this gateway also runs job handlers (false: workers only)',
  },
  stallTimeout: {
    flag: '--stall-timeout',
    env: 'STALL_TIMEOUT',
    kind: 'duration',
    min: 1000,
    description: "with --redis: a silent worker's jobs go to another worker after this long",
    worker: true,
  },
  wsHeartbeat: {
    flag: '--ws-heartbeat',
    env: 'WS_HEARTBEAT',
    kind: 'duration',
    min: 50,
    description:
      'WebSocket ping and heartbeat interval; a peer missing a pong is dropped at the next',
  },
  wsMaxPayload: {
    flag: '--ws-max-payload',
    env: 'WS_MAX_PAYLOAD',
    kind: 'size',
    min: 1024,
    max: 16 * 1024 ** 2,
    description: 'largest WebSocket message accepted (close 1009 beyond)',
  },
  wsHighWaterMark: {
    flag: '--ws-high-water-mark',
    env: 'WS_HIGH_WATER_MARK',
    kind: 'size',
    min: 1024,
    description: 'bytes buffered for a client above which job progress is conflated',
  },
  wsMaxBuffered: {
    flag: '--ws-max-buffered',
    env: 'WS_MAX_BUFFERED',
    kind: 'size',
    min: 4096,
    description: 'bytes waiting for one client beyond which it is closed (4008 slow consumer)',
  },
  wsMaxHeld: {
    flag: '--ws-max-held',
    env: 'WS_MAX_HELD',
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    description: 'messages held for a client out of credits; the oldest are dropped beyond',
  },
  wsMaxConnectionsPerIp: {
    flag: '--ws-max-connections-per-ip',
    env: 'WS_MAX_CONNECTIONS_PER_IP',
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    description: 'WebSocket connections one client address may hold',
  },
  wsMaxSubscriptions: {
    flag: '--ws-max-subscriptions',
    env: 'WS_MAX_SUBSCRIPTIONS',
    kind: 'integer',
    min: 1,
    max: 100_000,
    description: 'topics one WebSocket connection may subscribe to',
  },
  wsPublishRate: {
    flag: '--ws-publish-rate',
    env: 'WS_PUBLISH_RATE',
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    description: 'publishes per second one WebSocket connection may send',
  },
  wsOrigins: {
    flag: '--ws-origins',
    env: 'WS_ORIGINS',
    kind: 'string',
    description: 'pages allowed to open WebSockets: same-host, *, or origins, comma-separated',
  },
  wsAllowNullOrigin: {
    flag: '--ws-allow-null-origin',
    env: 'WS_ALLOW_NULL_ORIGIN',
    kind: 'boolean',
    description: 'also allow Origin null: pages opened from disk (file://)',
  },
};

export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

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
  return options;
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
  try {
    parseOriginList(options.wsOrigins);
  } catch (error) {
    const { flag, env } = OPTION_SPECS.wsOrigins;
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
  if ((key === 'db' || key === 'redis') && value === undefined) return;
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

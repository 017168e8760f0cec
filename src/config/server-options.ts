/**
 * Every option of a server process, and its default. How each is spelled on the command line
 * and in the environment is in option-specs.ts; resolution and validation in options.ts.
 */
import { availableParallelism } from 'node:os';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

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
  /** The longest a job's own `keepFor` keeps it (never below `retention`). */
  maxKeepFor: number;
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
  /** `auto`: readable lines when stdout is a terminal, JSON otherwise. */
  logFormat: (typeof LOG_FORMATS)[number];
  /** Fastify's per-request lines at info (otherwise at debug). */
  logRequests: boolean;
  /** Redis URL; `undefined` selects the embedded SQLite store. */
  redis: string | undefined;
  redisPrefix: string;
  /** With --redis: `fsync` acknowledges only jobs Redis has on disk; `warn` says what may be lost. */
  redisDurability: 'warn' | 'fsync';
  /** With --redis: whether this process also runs job handlers (a worker always does). */
  runJobs: boolean;
  stallTimeout: number;
  /** With --redis: how long this gateway's connections and room members count without renewal. */
  gatewayLease: number;
  wsHeartbeat: number;
  wsMaxPayload: number;
  /** permessage-deflate accepted when a client offers it (off: every message is sent as is). */
  wsDeflate: boolean;
  wsHighWaterMark: number;
  wsMaxBuffered: number;
  wsMaxHeld: number;
  maxConnectionsPerIp: number;
  wsMaxSubscriptions: number;
  wsPublishRate: number;
  origins: string;
  /** Proxies whose X-Forwarded-For names the client: addresses, CIDRs, presets; undefined: none. */
  trustProxy: string | undefined;
  allowNullOrigin: boolean;
  /** `name:secret,…`; with any key (here or in the file) authentication is on. */
  apiKeys: string | undefined;
  apiKeysFile: string | undefined;
  /** HMAC secret of access tokens; `undefined`: random, so tokens work on this process only. */
  tokenSecret: string | undefined;
  tokenTtl: number;
  /** HS256 secret shared with the identity provider; with it, JWTs are accepted. */
  jwtSecret: string | undefined;
  /** The identity provider's JWKS (RS/PS/ES/EdDSA keys); exclusive with jwtSecret. */
  jwksUrl: string | undefined;
  /** Required with JWTs: the `aud` a token must carry. */
  jwtAudience: string | undefined;
  jwtIssuer: string | undefined;
  /** The claim naming a JWT's owner (stored as `jwt:<value>`). */
  jwtOwnerClaim: string;
  jwtClockTolerance: number;
  jwksTimeout: number;
  jwksCooldown: number;
  maxConnectionsPerKey: number;
  /** Submits per second (0: no limit). */
  submitRatePerKey: number;
  submitRatePerIp: number;
  /** WebSocket publishes per second, over all of a key's connections (0: no limit). */
  publishRatePerKey: number;
  /** A module whose exports are job types, loaded at start beside the built-in ones. */
  jobTypes: string | undefined;
  /** A JSON file of job types run by external workers over HTTP (docs/workers.md). */
  externalJobTypes: string | undefined;
  /** How long a worker's lease lasts from its claim or last progress report. */
  workerLease: number;
  /** Worker credentials, `name:secret,…`: the worker role, apart from the API keys. */
  workerKeys: string | undefined;
  workerKeysFile: string | undefined;
  /** `whsec_…` signing secrets, comma-separated, current first; undefined: `<dataDir>/webhook-secret`. */
  webhookSecret: string | undefined;
  webhookAllowPrivate: boolean;
  webhookConnectTimeout: number;
  webhookTimeout: number;
  webhookRetryDelay: number;
  webhookRetryWindow: number;
  webhookConcurrency: number;
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
  maxKeepFor: 7 * 24 * 3_600_000,
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
  logFormat: 'auto',
  logRequests: false,
  redis: undefined,
  redisPrefix: 'bp:',
  redisDurability: 'warn',
  runJobs: true,
  stallTimeout: 30_000,
  gatewayLease: 15_000,
  // Socket.IO's ping interval: rare enough to cost nothing, short enough to notice a dead peer.
  wsHeartbeat: 25_000,
  wsMaxPayload: 64 * 1024,
  wsDeflate: false,
  wsHighWaterMark: 64 * 1024,
  wsMaxBuffered: 1024 ** 2,
  wsMaxHeld: 1000,
  maxConnectionsPerIp: 100,
  wsMaxSubscriptions: 100,
  wsPublishRate: 20,
  origins: 'same-host',
  trustProxy: undefined,
  allowNullOrigin: false,
  apiKeys: undefined,
  apiKeysFile: undefined,
  tokenSecret: undefined,
  tokenTtl: 5 * 60_000,
  jwtSecret: undefined,
  jwksUrl: undefined,
  jwtAudience: undefined,
  jwtIssuer: undefined,
  jwtOwnerClaim: 'sub',
  jwtClockTolerance: 30_000,
  jwksTimeout: 5000,
  jwksCooldown: 30_000,
  maxConnectionsPerKey: 1000,
  submitRatePerKey: 0,
  submitRatePerIp: 0,
  publishRatePerKey: 0,
  jobTypes: undefined,
  externalJobTypes: undefined,
  workerLease: 30_000,
  workerKeys: undefined,
  workerKeysFile: undefined,
  webhookSecret: undefined,
  webhookAllowPrivate: false,
  webhookConnectTimeout: 5000,
  webhookTimeout: 10_000,
  webhookRetryDelay: 10_000,
  webhookRetryWindow: 24 * 3_600_000,
  webhookConcurrency: 4,
};

/** One worker thread per core but one, which the event loop keeps. */
function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

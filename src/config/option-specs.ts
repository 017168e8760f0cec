/**
 * How each server option is spelled: its CLI flag, its environment variable, how its text is
 * parsed, its bounds and its one-line description (used by --help, and checked against the
 * README's table by a test).
 */
import { LOG_FORMATS, LOG_LEVELS, type ServerOptions } from './server-options.js';

export type Kind = 'integer' | 'string' | 'duration' | 'size' | 'choice' | 'boolean';

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
  maxKeepFor: {
    flag: '--max-keep-for',
    env: 'MAX_KEEP_FOR',
    kind: 'duration',
    min: 1000,
    max: 366 * 24 * 3_600_000,
    description: "the longest a job's own keepFor keeps it (never less than --retention)",
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
  logFormat: {
    flag: '--log-format',
    env: 'LOG_FORMAT',
    kind: 'choice',
    choices: LOG_FORMATS,
    description: 'auto: readable lines (pino-pretty) when stdout is a terminal, JSON otherwise',
    worker: true,
  },
  logRequests: {
    flag: '--log-requests',
    env: 'LOG_REQUESTS',
    kind: 'boolean',
    description: 'log every HTTP request and response at info (otherwise at debug)',
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
  redisDurability: {
    flag: '--redis-durability',
    env: 'REDIS_DURABILITY',
    kind: 'choice',
    choices: ['warn', 'fsync'],
    description:
      'with --redis: fsync refuses a Redis that could lose an acknowledged job; warn logs what it could lose',
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
  gatewayLease: {
    flag: '--gateway-lease',
    env: 'GATEWAY_LEASE',
    kind: 'duration',
    min: 300,
    max: 3_600_000,
    description:
      "with --redis: a gateway renews its share of the connection caps and room presence every third of this; a stopped gateway's drops out after it",
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
  wsDeflate: {
    flag: '--ws-deflate',
    env: 'WS_DEFLATE',
    kind: 'boolean',
    description:
      'accept permessage-deflate: fewer bytes per WebSocket message, more CPU and memory per connection',
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
  maxConnectionsPerIp: {
    flag: '--max-connections-per-ip',
    env: 'MAX_CONNECTIONS_PER_IP',
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    description:
      'long polls, event streams and WebSockets one client address may hold at once, on all gateways together with --redis',
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
  origins: {
    flag: '--origins',
    env: 'ORIGINS',
    kind: 'string',
    description:
      'pages allowed to call the API (CORS) and open WebSockets: same-host, *, or origins, comma-separated',
  },
  trustProxy: {
    flag: '--trust-proxy',
    env: 'TRUST_PROXY',
    kind: 'string',
    defaultText: 'none',
    description:
      'reverse proxies whose X-Forwarded-For names the client: addresses, CIDRs, loopback, linklocal or uniquelocal, comma-separated',
  },
  allowNullOrigin: {
    flag: '--allow-null-origin',
    env: 'ALLOW_NULL_ORIGIN',
    kind: 'boolean',
    description: 'also allow Origin null: pages opened from disk (file://)',
  },
  apiKeys: {
    flag: '--api-keys',
    env: 'API_KEYS',
    kind: 'string',
    defaultText: 'none: no authentication',
    description: 'API keys as name:secret,… (secrets of 16+ characters); turns authentication on',
  },
  apiKeysFile: {
    flag: '--api-keys-file',
    env: 'API_KEYS_FILE',
    kind: 'string',
    defaultText: 'none',
    description: 'file of API keys, one name:secret per line (# comments)',
  },
  tokenSecret: {
    flag: '--token-secret',
    env: 'TOKEN_SECRET',
    kind: 'string',
    defaultText: 'random per process',
    description: 'secret (32+ characters) signing access tokens; share it between gateways',
  },
  tokenTtl: {
    flag: '--token-ttl',
    env: 'TOKEN_TTL',
    kind: 'duration',
    min: 10_000,
    description: 'lifetime of the access tokens SSE and WebSocket clients use instead of a key',
  },
  jwtSecret: {
    flag: '--jwt-secret',
    env: 'JWT_SECRET',
    kind: 'string',
    defaultText: 'none',
    description:
      'HS256 secret (32+ characters) shared with the identity provider: accept its JWTs as Bearer tokens',
  },
  jwksUrl: {
    flag: '--jwks-url',
    env: 'JWKS_URL',
    kind: 'string',
    defaultText: 'none',
    description:
      "the identity provider's JWKS (https://…): accept JWTs signed by its RS/PS/ES/EdDSA keys",
  },
  jwtAudience: {
    flag: '--jwt-audience',
    env: 'JWT_AUDIENCE',
    kind: 'string',
    defaultText: 'none; required with JWTs',
    description: 'the aud a JWT must carry (this service, as the identity provider names it)',
  },
  jwtIssuer: {
    flag: '--jwt-issuer',
    env: 'JWT_ISSUER',
    kind: 'string',
    defaultText: 'any',
    description: 'the iss a JWT must carry (the identity provider)',
  },
  jwtOwnerClaim: {
    flag: '--jwt-owner-claim',
    env: 'JWT_OWNER_CLAIM',
    kind: 'string',
    description: 'the JWT claim naming the owner of the jobs it submits (stored as jwt:<value>)',
  },
  jwtClockTolerance: {
    flag: '--jwt-clock-tolerance',
    env: 'JWT_CLOCK_TOLERANCE',
    kind: 'duration',
    min: 0,
    max: 300_000,
    description: "clock skew allowed when checking a JWT's exp, nbf and iat (whole seconds)",
  },
  jwksTimeout: {
    flag: '--jwks-timeout',
    env: 'JWKS_TIMEOUT',
    kind: 'duration',
    min: 100,
    max: 60_000,
    description: 'how long a JWKS fetch may take; past it the request is 503 jwks_unavailable',
  },
  jwksCooldown: {
    flag: '--jwks-cooldown',
    env: 'JWKS_COOLDOWN',
    kind: 'duration',
    min: 0,
    max: 3_600_000,
    description: 'least time between JWKS fetches for tokens naming an unknown key id',
  },
  maxConnectionsPerKey: {
    flag: '--max-connections-per-key',
    env: 'MAX_CONNECTIONS_PER_KEY',
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    description:
      'long polls, event streams and WebSockets one API key may hold at once, on all gateways together with --redis',
  },
  submitRatePerKey: {
    flag: '--submit-rate-per-key',
    env: 'SUBMIT_RATE_PER_KEY',
    kind: 'integer',
    min: 0,
    max: 1_000_000,
    description: 'job submits per second one API key may make (0: no limit)',
  },
  submitRatePerIp: {
    flag: '--submit-rate-per-ip',
    env: 'SUBMIT_RATE_PER_IP',
    kind: 'integer',
    min: 0,
    max: 1_000_000,
    description: 'job submits per second one client address may make (0: no limit)',
  },
  publishRatePerKey: {
    flag: '--publish-rate-per-key',
    env: 'PUBLISH_RATE_PER_KEY',
    kind: 'integer',
    min: 0,
    max: 1_000_000,
    description:
      "WebSocket publishes per second over all of one API key's connections (0: no limit)",
  },
  jobTypes: {
    flag: '--job-types',
    env: 'JOB_TYPES',
    kind: 'string',
    defaultText: 'none: built-in types only',
    description:
      'module whose exports are job types (built JS, or TS under tsx); give gateways and workers the same one',
    worker: true,
  },
  externalJobTypes: {
    flag: '--external-job-types',
    env: 'EXTERNAL_JOB_TYPES',
    kind: 'string',
    defaultText: 'none',
    description:
      'JSON file of job types run by external workers over HTTP: [{ name, description, input, timeoutMs }]',
    worker: true,
  },
  workerLease: {
    flag: '--worker-lease',
    env: 'WORKER_LEASE',
    kind: 'duration',
    min: 100,
    max: 3_600_000,
    description:
      "how long an external worker's lease lasts from its claim or last progress; a lapsed one is handed back",
  },
  workerKeys: {
    flag: '--worker-keys',
    env: 'WORKER_KEYS',
    kind: 'string',
    defaultText: 'none',
    description:
      'worker credentials as name:secret,… (16+ characters); only these may use /workers/*',
  },
  workerKeysFile: {
    flag: '--worker-keys-file',
    env: 'WORKER_KEYS_FILE',
    kind: 'string',
    defaultText: 'none',
    description: 'file of worker credentials, one name:secret per line (# comments)',
  },
  webhookSecret: {
    flag: '--webhook-secret',
    env: 'WEBHOOK_SECRET',
    kind: 'string',
    defaultText: '<data-dir>/webhook-secret, generated once',
    description:
      'webhook signing secrets (whsec_…), comma-separated, current first: two at once while rotating',
    worker: true,
  },
  webhookAllowPrivate: {
    flag: '--webhook-allow-private',
    env: 'WEBHOOK_ALLOW_PRIVATE',
    kind: 'boolean',
    description:
      'also send webhooks to loopback and private addresses (local demos and tests only)',
    worker: true,
  },
  webhookConnectTimeout: {
    flag: '--webhook-connect-timeout',
    env: 'WEBHOOK_CONNECT_TIMEOUT',
    kind: 'duration',
    min: 1,
    description: 'a webhook attempt fails when the receiver does not accept the connection by then',
    worker: true,
  },
  webhookTimeout: {
    flag: '--webhook-timeout',
    env: 'WEBHOOK_TIMEOUT',
    kind: 'duration',
    min: 1,
    description: 'a webhook attempt fails when the complete response has not arrived by then',
    worker: true,
  },
  webhookRetryDelay: {
    flag: '--webhook-retry-delay',
    env: 'WEBHOOK_RETRY_DELAY',
    kind: 'duration',
    min: 0,
    description: 'first webhook retry delay; doubles per retry (with jitter, capped at 1 h)',
    worker: true,
  },
  webhookRetryWindow: {
    flag: '--webhook-retry-window',
    env: 'WEBHOOK_RETRY_WINDOW',
    kind: 'duration',
    min: 0,
    description: 'how long a failing webhook delivery is retried before it is dead',
    worker: true,
  },
  webhookConcurrency: {
    flag: '--webhook-concurrency',
    env: 'WEBHOOK_CONCURRENCY',
    kind: 'integer',
    min: 1,
    max: 1000,
    description: 'webhook attempts in flight at once to one endpoint',
    worker: true,
  },
};

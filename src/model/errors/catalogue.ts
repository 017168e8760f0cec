/**
 * Every error a client can see, one line of data each. HTTP answers them as RFC 9457 problem
 * details; the WebSocket transport sends the same codes in `error` messages, and the errors
 * that end a connection name the close code it uses. `docs/errors.md` is generated from this
 * table (`npm run docs:errors`) and a test fails when the two drift apart.
 */
export interface ErrorSpec {
  /** The HTTP status; for `websocketOnly` codes the nearest HTTP meaning (`GET /errors/:code`). */
  status: number;
  title: string;
  /** One sentence for docs/errors.md: when it happens and what to do. */
  description: string;
  /** The WebSocket close code when this error ends a WebSocket connection (docs/protocol.md). */
  wsCloseCode?: number;
  /** No HTTP request produces it: only the WebSocket transport reports it. */
  websocketOnly?: true;
}

export const ERROR_CATALOGUE = {
  invalid_request: {
    status: 400,
    title: 'Invalid request',
    description:
      'A parameter, header or body field does not match its schema; `errors` names each field.',
  },
  malformed_json: {
    status: 400,
    title: 'Malformed JSON',
    description:
      'The body is declared as JSON but is empty or cannot be parsed; on a WebSocket, a text message that is not JSON.',
  },
  malformed_request: {
    status: 400,
    title: 'Malformed HTTP request',
    description: 'The HTTP request itself could not be parsed; the connection is closed.',
  },
  invalid_job_id: {
    status: 400,
    title: 'Invalid job id',
    description: 'A job id must be a lowercase UUID (version 4), as returned by `POST /jobs`.',
  },
  unknown_job_type: {
    status: 400,
    title: 'Unknown job type',
    description: 'No job type has that name; `knownTypes` lists the registered ones.',
  },
  invalid_input: {
    status: 400,
    title: 'Invalid job input',
    description: "The input does not match the job type's schema; `errors` names each field.",
  },
  invalid_cron: {
    status: 400,
    title: 'Invalid cron expression',
    description:
      "The schedule's `cron` is not a cron expression (5 fields, or 6 with seconds first), or it never fires.",
  },
  invalid_timezone: {
    status: 400,
    title: 'Invalid time zone',
    description:
      "The schedule's `timezone` is not an IANA time zone name such as `Europe/Berlin` or `UTC`.",
  },
  path_not_allowed: {
    status: 400,
    title: 'Path not allowed',
    description:
      'A file path must be relative and stay inside the data directory (no `..`, absolute paths, NUL bytes or symlinks leading out).',
  },
  invalid_idempotency_key: {
    status: 400,
    title: 'Invalid Idempotency-Key',
    description: 'The `Idempotency-Key` header must be 1–255 printable ASCII characters.',
  },
  webhook_url_refused: {
    status: 400,
    title: 'Webhook URL refused',
    description:
      'A webhook URL must be http or https and resolve only to public addresses: loopback, private, link-local, metadata and other special addresses are refused (`reason` says which; `--webhook-allow-private` allows them for local demos and tests).',
  },
  webhooks_unsupported: {
    status: 400,
    title: 'Webhooks not supported here',
    description:
      'This deployment does not deliver webhooks (its store keeps no webhook outbox): submit without `webhook`, and `/webhooks` endpoints cannot be registered.',
  },
  invalid_event_id: {
    status: 400,
    title: 'Invalid event id',
    description:
      'A `Last-Event-ID` header or `after` parameter is not an id the event stream sends: a seq on `/jobs/:id/events`, `jobId:seq` pairs separated by commas on `/events`.',
  },
  too_many_jobs: {
    status: 400,
    title: 'Too many jobs for one stream',
    description:
      'One `/events` stream follows at most 20 jobs; open another stream, or follow every job with `topics=jobs`.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    description:
      'API keys are on and the request carries no valid `Authorization: Bearer <key>` (event streams and WebSockets may use an access token instead).',
  },
  invalid_token: {
    status: 401,
    title: 'Invalid token',
    description:
      'A bearer JWT or access token was refused: `reason` says why (`expired`, `not_yet_valid`, `bad_signature`, `algorithm_not_allowed`, `unknown_key`, `wrong_audience`, `wrong_issuer`, `missing_claim`, `malformed_claim`, `malformed`), as does `WWW-Authenticate: Bearer error="invalid_token"`. Get a fresh token.',
  },
  insufficient_scope: {
    status: 403,
    title: 'Outside the token’s scope',
    description:
      'The token carries scope claims (`jobs`, `subscribe`, `publish`) and this request is not among them; a scoped token cannot submit, list or cancel jobs. On /ws it is an `error` message for that subscription or publish.',
  },
  not_found: {
    status: 404,
    title: 'Not found',
    description: 'No route matches this method and path.',
  },
  job_not_found: {
    status: 404,
    title: 'Job not found',
    description: 'No job has this id: it never existed, or it finished and was pruned.',
  },
  schedule_not_found: {
    status: 404,
    title: 'Schedule not found',
    description:
      'No schedule has this id: it never existed, it was deleted, or it belongs to another API key.',
  },
  webhook_endpoint_not_found: {
    status: 404,
    title: 'Webhook endpoint not found',
    description:
      'No registered webhook endpoint has this id: it never existed, it was deleted, or it belongs to another API key.',
  },
  delivery_not_found: {
    status: 404,
    title: 'Delivery not found',
    description:
      'The job has no webhook delivery with this id (`GET /jobs/:id/deliveries` lists them).',
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    description:
      'The path exists but not with this method; the `Allow` header lists the ones it supports.',
  },
  request_timeout: {
    status: 408,
    title: 'Request timeout',
    description: 'The client took longer than the request or headers timeout to send its request.',
  },
  job_finished: {
    status: 409,
    title: 'Job already finished',
    description: 'A job that succeeded or failed cannot be canceled.',
  },
  delivery_not_dead: {
    status: 409,
    title: 'Delivery not dead',
    description:
      'Only a dead delivery (its retry window closed) can be redelivered; a pending one is still being retried and a delivered one arrived.',
  },
  too_many_webhook_endpoints: {
    status: 409,
    title: 'Too many webhook endpoints',
    description:
      'An API key may register at most 20 webhook endpoints (every event of its jobs is recorded once per endpoint); delete one before registering another.',
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    description: 'The body is larger than the `--body-limit` option allows.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    description: 'Bodies must be sent as `application/json`.',
  },
  idempotency_key_reused: {
    status: 422,
    title: 'Idempotency-Key reused',
    description:
      'This `Idempotency-Key` was already used for a request with a different type or input.',
  },
  headers_too_large: {
    status: 431,
    title: 'Request headers too large',
    description: 'The request headers exceed the server limit; the connection is closed.',
  },
  lease_lost: {
    status: 409,
    title: 'Lease lost',
    description:
      'Worker protocol: the lease token does not hold this job any more (it lapsed and the job was handed back, or another worker holds it now); nothing was changed. Stop working on the job and claim another.',
  },
  job_canceled: {
    status: 409,
    title: 'Job canceled',
    description:
      'Worker protocol: the job was canceled while the worker held it; nothing was changed. Stop working on it and claim another.',
  },
  not_external_type: {
    status: 400,
    title: 'Not an external job type',
    description:
      'Worker protocol: a claim named a job type that runs inside the server (`io`, `cpu`), not in external workers; `externalTypes` lists those that do.',
  },
  illegal_transition: {
    status: 409,
    title: 'Illegal job transition',
    description:
      'The job is not in a status that allows this change (the state machine is in docs/architecture.md).',
  },
  internal_error: {
    status: 500,
    title: 'Internal server error',
    description: 'An unexpected fault; it is logged with the request id. Please report it.',
    wsCloseCode: 1011,
  },
  store_unavailable: {
    status: 503,
    title: 'Job store unavailable',
    description:
      'The job store cannot be reached (Redis) or cannot write its file (SQLite: an I/O error, the file turned read-only) right now; nothing was changed. `Retry-After` says when to try again, ideally with an `Idempotency-Key`; `/healthz` reports `degraded` meanwhile.',
  },
  jwks_unavailable: {
    status: 503,
    title: 'Signing keys unavailable',
    description:
      'The identity provider’s key set (`--jwks-url`) could not be fetched in time (`--jwks-timeout`) or is not a valid JWKS, so the token could be neither accepted nor refused; `Retry-After` says when to try again.',
  },
  storage_full: {
    status: 503,
    title: 'Storage full',
    description:
      'The disk holding the job store (SQLite) is full; nothing was changed. `Retry-After` says when to try again, ideally with an `Idempotency-Key`; `/healthz` reports `degraded` until a write succeeds, and running jobs are recorded as soon as space returns.',
  },
  redis_unsafe: {
    status: 503,
    title: 'Redis unsafe for this deployment',
    description:
      "Redis mode only. Redis lost this deployment's data (restarted empty or flushed: reads and writes are refused until the server processes are restarted), or it now may evict keys (`maxmemory-policy`) or, with `--redis-durability fsync`, could lose an acknowledged write (new jobs are refused until that is fixed). `detail` says which; `/healthz` fails meanwhile (docs/scaling.md).",
  },
  shutting_down: {
    status: 503,
    title: 'Server shutting down',
    description:
      'The server is draining and accepts no new work; retry on another instance. Open WebSockets are closed with 1001.',
    wsCloseCode: 1001,
  },
  origin_not_allowed: {
    status: 403,
    title: 'Origin not allowed',
    description:
      'A WebSocket upgrade came from a page whose `Origin` is not allowed (`--origins`, `--allow-null-origin`); the upgrade is refused.',
  },
  too_many_connections: {
    status: 429,
    title: 'Too many connections',
    description:
      'This client address (`--max-connections-per-ip`) or API key (`--max-connections-per-key`) already holds that many long polls, event streams and WebSockets; close one first.',
  },
  invalid_message: {
    status: 400,
    title: 'Invalid message',
    description:
      'A WebSocket message is not one the protocol defines (docs/protocol.md): an unknown `type`, a missing or mistyped field, or a binary frame; `errors` names each field.',
    websocketOnly: true,
  },
  invalid_topic: {
    status: 400,
    title: 'Invalid topic',
    description:
      'A topic must be `job:<id>`, `jobs` or `chat:<room>` (a room is 1–64 of `A–Z a–z 0–9 _ . -`).',
    websocketOnly: true,
  },
  publish_not_allowed: {
    status: 403,
    title: 'Publish not allowed',
    description:
      'Only `chat:<room>` topics accept `publish`; job topics are written by the server.',
    websocketOnly: true,
  },
  too_many_subscriptions: {
    status: 429,
    title: 'Too many subscriptions',
    description:
      'The connection already holds `--ws-max-subscriptions` subscriptions; unsubscribe from one first.',
    websocketOnly: true,
  },
  rate_limited: {
    status: 429,
    title: 'Rate limited',
    description:
      'Too many submits (`--submit-rate-per-key`, `--submit-rate-per-ip`) or WebSocket publishes (`--ws-publish-rate`, `--publish-rate-per-key`) per second; nothing was done. `Retry-After` (HTTP) or `retryAfterMs` (WebSocket) says when to try again.',
  },
  message_too_large: {
    status: 413,
    title: 'Message too large',
    description:
      'A WebSocket message was larger than `--ws-max-payload`; the connection is closed with 1009.',
    wsCloseCode: 1009,
    websocketOnly: true,
  },
  slow_consumer: {
    status: 429,
    title: 'Slow consumer',
    description:
      'More than `--ws-max-buffered` bytes waited for a client that does not read fast enough; it is closed with 4008 and other clients are unaffected. Read faster, or take message topics with credits.',
    wsCloseCode: 4008,
    websocketOnly: true,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * Codes recorded in a failed job's `error.code` (not HTTP errors: the job failed, the request
 * that reads it succeeded). Listed in docs/errors.md as well.
 */
export const JOB_FAILURE_CATALOGUE = {
  handler_error: 'The handler threw an unexpected error; details are in the server log only.',
  timeout: "The job ran longer than its type's timeout and was aborted.",
  interrupted: 'The server stopped while the job ran and the recovery policy did not re-queue it.',
  worker_crashed: 'The worker thread running the job exited abnormally; the pool replaced it.',
  file_not_found: 'The file to read does not exist inside the data directory.',
  path_not_allowed: 'At run time the path resolved outside the data directory (a symlink changed).',
  not_a_file: 'The path names something other than a regular file.',
  unknown_job_type: 'The job was queued under a type this server no longer registers.',
  lease_expired:
    'The external worker holding the job stopped renewing its lease, and the recovery policy did not re-queue it.',
} as const satisfies Record<string, string>;

export type JobFailureCode = keyof typeof JOB_FAILURE_CATALOGUE;

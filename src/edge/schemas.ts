/**
 * TypeBox schemas of the HTTP API. The routes validate with them and the OpenAPI document at
 * /openapi.json is generated from them, so the two cannot disagree.
 */
import Type from 'typebox';
import { EVENT_KINDS, JOB_ID_SCHEMA_PATTERN } from '../model/job.js';
import { MAX_ATTEMPTS, MAX_DELAY_MS, PRIORITY_MAX, PRIORITY_MIN } from '../model/queue-options.js';

export const JobId = Type.String({
  pattern: JOB_ID_SCHEMA_PATTERN,
  description: 'Job id: a lowercase UUID v4.',
  examples: ['3f1c2a9e-8b7d-4c1e-9f2a-5b6c7d8e9f01'],
});

export const JobStatus = Type.Union(
  [
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('canceled'),
  ],
  { description: 'queued → running → succeeded | failed | canceled' },
);

export const JobError = Type.Object({
  code: Type.String({ description: 'A job failure code from docs/errors.md.' }),
  message: Type.String(),
});

export const Backoff = Type.Object(
  {
    type: Type.Union([Type.Literal('fixed'), Type.Literal('exponential')], {
      description:
        '`fixed`: every retry waits delayMs; `exponential`: delayMs, 2·delayMs, 4·delayMs, …',
    }),
    delayMs: Type.Integer({ minimum: 0, description: "The first retry's wait (ms)." }),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0, description: 'No wait exceeds this.' })),
    jitter: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'The random share of each wait: 0.2 waits 80–100 % of it.',
      }),
    ),
  },
  { additionalProperties: false, description: 'The wait before each retry.' },
);

export const Priority = Type.Integer({
  minimum: PRIORITY_MIN,
  maximum: PRIORITY_MAX,
  description: `Higher runs first (${PRIORITY_MIN} to ${PRIORITY_MAX}, default 0); equal priorities in arrival order.`,
});

/**
 * A job's own retention: ms, or text (`90s`, `1h`, `7d`). The engine checks the text and the
 * bounds (model/queue-options.ts), so a bad value gets one message naming `keepFor` rather
 * than a schema union's two.
 */
export const KeepFor = Type.Union(
  [
    Type.Integer({ minimum: 0, examples: [3_600_000] }),
    Type.String({ minLength: 1, maxLength: 32, examples: ['1h', '7d'] }),
  ],
  {
    description:
      "Keep the job this long once finished, instead of the server's --retention: ms, or a duration such as `90s`, `1h`, `7d` (1 s to 366 days; longer than --max-keep-for keeps it that long).",
  },
);

export const Job = Type.Object(
  {
    id: JobId,
    type: Type.String(),
    status: JobStatus,
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    seq: Type.Integer({ minimum: 1, description: "Latest event's seq; it only grows." }),
    attempt: Type.Integer({ minimum: 0, description: 'Runs started so far.' }),
    maxAttempts: Type.Integer({ minimum: 1, description: 'Runs it may have in all.' }),
    backoff: Type.Optional(Backoff),
    priority: Priority,
    runAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'While queued: when it becomes due (a delayed submit or the next retry).',
      }),
    ),
    keepFor: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "Its own retention (ms) once finished, when it has one (keepFor on submit or its job type's, clamped to --max-keep-for); absent: --retention.",
      }),
    ),
    input: Type.Unknown(),
    result: Type.Optional(Type.Unknown()),
    error: Type.Optional(JobError),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Job', title: 'Job snapshot' },
);

export const JobEvent = Type.Object(
  {
    jobId: JobId,
    seq: Type.Integer({ minimum: 1, description: '1, 2, 3, … per job.' }),
    kind: Type.Union(EVENT_KINDS.map((kind) => Type.Literal(kind))),
    status: JobStatus,
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    data: Type.Optional(Type.Unknown()),
    at: Type.String({ format: 'date-time' }),
  },
  { $id: 'JobEvent', title: 'Job event (an entry of the per-job log)' },
);

export const JobPage = Type.Object({
  jobs: Type.Array(Type.Ref('Job')),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  }),
});

export const FieldError = Type.Object({ field: Type.String(), message: Type.String() });

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI reference of the problem type: /errors/<code>.' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable error code from docs/errors.md.' }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldError)),
  },
  {
    $id: 'Problem',
    title: 'RFC 9457 problem details',
    additionalProperties: true,
  },
);

export const ProblemRef = Type.Ref('Problem');

export const WebhookRequest = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'http(s) URL to POST signed events to (Standard Webhooks; docs/webhooks.md).',
      examples: ['https://example.com/hooks/jobs'],
    }),
    events: Type.Optional(
      Type.Union([Type.Literal('terminal'), Type.Literal('all')], {
        description:
          '`terminal` (default): succeeded, failed or canceled only; `all`: every event.',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The `type` of a submit or a schedule: one of the registered names. A request naming another
 * is answered `unknown_job_type` with the list (problem.ts maps the enum failure).
 */
export function JobTypeName(jobTypes: readonly string[]) {
  return Type.String({
    minLength: 1,
    maxLength: 64,
    enum: [...jobTypes],
    description: 'A name from GET /job-types.',
  });
}

/** Runs a job may have in all; `description` says where the default comes from. */
export function Attempts(description: string) {
  return Type.Integer({ minimum: 1, maximum: MAX_ATTEMPTS, description });
}

/**
 * The body of POST /jobs. `type` is one of the registered names; a request naming another is
 * answered `unknown_job_type` with the list (problem.ts maps the enum failure).
 */
export function submitBody(jobTypes: readonly string[]) {
  return Type.Object(
    {
      type: JobTypeName(jobTypes),
      input: Type.Optional(
        Type.Unknown({ description: "The job type's input; validated against its schema." }),
      ),
      webhook: Type.Optional(WebhookRequest),
      attempts: Type.Optional(
        Attempts(
          "Runs it may have in all (default: the job type's, else 1). A failure before the last is retried unless the handler marks it not retryable.",
        ),
      ),
      backoff: Type.Optional(Backoff),
      priority: Type.Optional(Priority),
      delay: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: MAX_DELAY_MS,
          description: 'Wait this many ms before the first run.',
        }),
      ),
      runAt: Type.Optional(
        Type.String({ format: 'date-time', description: 'Do not run before this time.' }),
      ),
      keepFor: Type.Optional(KeepFor),
    },
    { additionalProperties: false },
  );
}

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description: 'Retries with the same key return the same job (kept as long as the job).',
    }),
  ),
});

export const JobIdParams = Type.Object({ id: JobId });

export const ListQuery = Type.Object(
  {
    status: Type.Optional(JobStatus),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const JobTypeDescription = Type.Object({
  name: Type.String(),
  description: Type.String(),
  execution: Type.Union([Type.Literal('io'), Type.Literal('cpu'), Type.Literal('external')]),
  timeoutMs: Type.Integer(),
  attempts: Type.Integer({ description: 'Default runs in all.' }),
  backoff: Backoff,
  priority: Type.Integer({ description: 'Default priority.' }),
  keepFor: Type.Optional(
    Type.Integer({ description: "Its jobs' retention (ms) once finished; absent: --retention." }),
  ),
  concurrency: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'At most this many of its jobs run at once, across every runner and worker.',
    }),
  ),
  inputSchema: Type.Unknown({ description: 'JSON Schema of the input.' }),
});

export const DeliveryAttempt = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  at: Type.String({ format: 'date-time' }),
  statusCode: Type.Optional(Type.Integer({ description: "The receiver's HTTP status." })),
  latencyMs: Type.Integer({ minimum: 0 }),
  error: Type.Optional(Type.String({ description: 'Why the attempt failed.' })),
});

export const Delivery = Type.Object({
  id: Type.String({ description: 'The webhook-id header: the same on every attempt.' }),
  jobId: JobId,
  url: Type.String(),
  seq: Type.Integer({ minimum: 1, description: 'The job event it reports.' }),
  kind: Type.String(),
  endpointId: Type.Optional(
    Type.String({
      description: "The registered endpoint it goes to; absent for a submit's webhook.",
    }),
  ),
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
  createdAt: Type.String({ format: 'date-time' }),
  nextAttemptAt: Type.Optional(Type.String({ format: 'date-time' })),
  attempts: Type.Array(DeliveryAttempt),
});

/** Schemas referenced by `$ref`; registered once with `app.addSchema`. */
export const SHARED_SCHEMAS = [Job, JobEvent, Problem] as const;

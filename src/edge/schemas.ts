/**
 * TypeBox schemas of the HTTP API. The routes validate with them and the OpenAPI document at
 * /openapi.json is generated from them, so the two cannot disagree.
 */
import Type from 'typebox';
import { EVENT_KINDS, JOB_ID_SCHEMA_PATTERN } from '../model/job.js';

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

export const Job = Type.Object(
  {
    id: JobId,
    type: Type.String(),
    status: JobStatus,
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    seq: Type.Integer({ minimum: 1, description: "Latest event's seq; it only grows." }),
    attempt: Type.Integer({ minimum: 0 }),
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

/**
 * The body of POST /jobs. `type` is one of the registered names; a request naming another is
 * answered `unknown_job_type` with the list (problem.ts maps the enum failure).
 */
export function submitBody(jobTypes: readonly string[]) {
  return Type.Object(
    {
      type: Type.String({
        minLength: 1,
        maxLength: 64,
        enum: [...jobTypes],
        description: 'A name from GET /job-types.',
      }),
      input: Type.Optional(
        Type.Unknown({ description: "The job type's input; validated against its schema." }),
      ),
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
  inputSchema: Type.Unknown({ description: 'JSON Schema of the input.' }),
});

/** Schemas referenced by `$ref`; registered once with `app.addSchema`. */
export const SHARED_SCHEMAS = [Job, JobEvent, Problem] as const;

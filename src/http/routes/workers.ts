/**
 * The worker protocol over HTTP (docs/workers.md): routes for external workers, in any
 * language, that run the jobs of external job types. Each route is a thin layer over
 * `engine.workers` (src/jobs/workers/external-workers.ts); the schemas here are the OpenAPI
 * description. Only worker keys are accepted here (`access: 'worker'`, http/auth.ts).
 *
 *   POST /workers/claim               { types, wait? }      → 200 { job, lease, timeoutMs } | 204
 *   POST /workers/jobs/:id/progress   { token, progress?, data? } → 200 { job, lease }
 *   POST /workers/jobs/:id/complete   { token, result? }   → 200 job
 *   POST /workers/jobs/:id/fail       { token, code, message, retryable? } → 200 job
 *
 * 409 `lease_lost` / `job_canceled` tell a worker to stop; nothing was changed.
 */
import Type from 'typebox';
import type { JobEngine } from '../../jobs/engine.js';
import type { App } from '../../edge/app-type.js';
import { JobIdParams } from '../../edge/schemas.js';
import { empty, guardedProblems, jsonBody } from '../../edge/responses.js';
import { AppError } from '../../model/errors/app-error.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../model/json-depth.js';

export interface WorkerRoutesOptions {
  /** The longest a claim may wait for a job (`--long-poll-max-wait`). */
  maxWaitMs: number;
}

const Token = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'The lease token the claim answered with.',
});

const Lease = Type.Object({
  token: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer({ description: 'Each progress report renews the lease for this long.' }),
});

const ClaimBody = Type.Object(
  {
    types: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 100,
      description: 'The external job types this worker runs.',
    }),
    wait: Type.Optional(
      Type.Number({
        minimum: 0,
        description:
          'Seconds to wait for a job when none is queued (capped by --long-poll-max-wait); 0 or absent answers at once.',
      }),
    ),
  },
  { additionalProperties: false },
);

const ProgressBody = Type.Object(
  {
    token: Token,
    progress: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    data: Type.Optional(Type.Unknown({ description: 'Sent to watchers with the progress event.' })),
  },
  { additionalProperties: false },
);

const CompleteBody = Type.Object(
  { token: Token, result: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);

const FailBody = Type.Object(
  {
    token: Token,
    code: Type.String({
      pattern: '^[a-z][a-z0-9_]{0,63}$',
      description: 'Your stable failure code.',
    }),
    message: Type.String({ maxLength: 1000, description: 'Shown to clients: no internals.' }),
    retryable: Type.Optional(
      Type.Boolean({ description: 'False: the job must not be tried again. Default true.' }),
    ),
  },
  { additionalProperties: false },
);

/** 409: `job_canceled` or `lease_lost`; 413/415 for the body. */
const refusals = guardedProblems(404, 409, 413, 415);

export function workerRoutes(app: App, engine: JobEngine, options: WorkerRoutesOptions): void {
  const workers = engine.workers;
  // Fastify's close waits for in-flight requests: waiting claims answer 204 first.
  app.addHook('preClose', async () => {
    workers.releaseWaiting();
  });
  const config = { access: 'worker' as const };

  app.post(
    '/workers/claim',
    {
      config,
      schema: {
        operationId: 'claimJob',
        summary: 'Claim a job of your types under a lease (long-polled)',
        description:
          'Starts the oldest queued job of one of `types` and answers with it and a lease. With `wait`, holds the request until such a job is queued; 204 when none came.',
        tags: ['workers'],
        body: ClaimBody,
        response: {
          200: jsonBody(
            Type.Object({ job: Type.Ref('Job'), lease: Lease, timeoutMs: Type.Integer() }),
            'The job, started, and its lease.',
          ),
          204: empty('No job of these types came within `wait`.'),
          ...refusals,
        },
      },
    },
    async (request, reply) => {
      const gone = new AbortController();
      reply.raw.once('close', () => {
        gone.abort();
      });
      const waitMs = Math.min(Math.round((request.body.wait ?? 0) * 1000), options.maxWaitMs);
      const claim = await workers.claim({
        worker: request.worker,
        types: request.body.types,
        waitMs,
        signal: gone.signal,
      });
      if (!claim) return reply.code(204).send(null);
      return claim;
    },
  );

  app.post(
    '/workers/jobs/:id/progress',
    {
      config,
      schema: {
        operationId: 'reportJobProgress',
        summary: 'Report progress and renew the lease',
        description:
          'Without `progress` it only renews the lease. 409 `job_canceled`: stop, the job was canceled; 409 `lease_lost`: stop, the job is no longer yours.',
        tags: ['workers'],
        params: JobIdParams,
        body: ProgressBody,
        response: {
          200: jsonBody(Type.Object({ job: Type.Ref('Job'), lease: Lease }), 'Renewed.'),
          ...refusals,
        },
      },
    },
    async (request) => {
      const { token, progress, data } = request.body;
      checkDepth('data', data);
      return workers.progress(
        request.params.id,
        token,
        progress === undefined ? undefined : { progress, data },
      );
    },
  );

  app.post(
    '/workers/jobs/:id/complete',
    {
      config,
      schema: {
        operationId: 'completeJob',
        summary: 'Complete the job with its result',
        tags: ['workers'],
        params: JobIdParams,
        body: CompleteBody,
        response: { 200: jsonBody(Type.Ref('Job'), 'The job, finished.'), ...refusals },
      },
    },
    async (request) => {
      checkDepth('result', request.body.result);
      return workers.complete(request.params.id, request.body.token, request.body.result);
    },
  );

  app.post(
    '/workers/jobs/:id/fail',
    {
      config,
      schema: {
        operationId: 'failJob',
        summary: 'Fail the job with a code and message',
        tags: ['workers'],
        params: JobIdParams,
        body: FailBody,
        response: { 200: jsonBody(Type.Ref('Job'), 'The job, finished.'), ...refusals },
      },
    },
    async (request) => {
      const { token, ...failure } = request.body;
      return workers.fail(request.params.id, token, failure);
    },
  );
}

function checkDepth(field: string, value: unknown): void {
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    const message = `nests deeper than ${MAX_JSON_DEPTH} levels`;
    throw new AppError('invalid_request', `${field} ${message}`, {
      errors: [{ field, message }],
    });
  }
}

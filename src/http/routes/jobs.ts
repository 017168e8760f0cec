/**
 * The REST surface for jobs: submit, list, cancel, and the catalogue of job types.
 * Reading one job (GET /jobs/:id) is the short-polling transport: src/transports/short-polling.ts.
 */
import Type from 'typebox';
import { AppError } from '../../model/errors/app-error.js';
import type { JobEngine } from '../../jobs/engine.js';
import {
  IdempotencyHeaders,
  JobIdParams,
  JobPage,
  JobTypeDescription,
  ListQuery,
  submitBody,
} from '../../edge/schemas.js';
import { guardedProblems, jsonBody, type HeaderSpec } from '../../edge/responses.js';
import type { Guards } from '../../edge/guards.js';
import type { App } from '../../edge/app-type.js';
import type { WebhookDelivery } from '../../transports/webhooks.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const SUBMITTED_HEADERS: Record<string, HeaderSpec> = {
  location: { type: 'string', description: 'The URL of the job: /jobs/{id}.' },
  'idempotent-replayed': {
    type: 'string',
    enum: ['true'],
    description: 'Present when an Idempotency-Key retry returned the job stored before.',
  },
};

export function jobRoutes(
  app: App,
  engine: JobEngine,
  guards?: Guards,
  webhooks?: WebhookDelivery,
): void {
  app.post(
    '/jobs',
    {
      schema: {
        operationId: 'submitJob',
        summary: 'Submit a job',
        description:
          'Stores the job and answers at once with 202 and its snapshot; the job runs in the background. ' +
          'With an Idempotency-Key, retries return the same job (with `Idempotent-Replayed: true`). ' +
          'With `webhook`, the URL is called back (signed, retried) when the job ends, or on every ' +
          'event with `events: "all"` (docs/webhooks.md); a URL that may not be called is 400 webhook_url_refused.',
        tags: ['jobs'],
        headers: IdempotencyHeaders,
        body: submitBody(engine.registry.names()),
        response: {
          202: jsonBody(Type.Ref('Job'), 'Stored; it runs in the background.', SUBMITTED_HEADERS),
          ...guardedProblems(413, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      await guards?.checkSubmit(request);
      const key = request.headers['idempotency-key'];
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new AppError(
          'invalid_idempotency_key',
          'Idempotency-Key must be 1–255 printable ASCII characters',
        );
      }
      const { type, input, attempts, backoff, priority, delay, runAt, keepFor } = request.body;
      const { webhook } = request.body;
      if (webhook) {
        if (!webhooks)
          throw new AppError('webhooks_unsupported', 'this server delivers no webhooks');
        await webhooks.checkUrl(webhook.url);
      }
      const { job, replayed } = await engine.submit({
        caller: request.caller,
        type,
        input,
        idempotencyKey: key,
        webhooks: webhook && [{ url: webhook.url, events: webhook.events ?? 'terminal' }],
        attempts,
        backoff,
        priority,
        delayMs: delay,
        runAt,
        keepFor,
      });
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(202).header('location', `/jobs/${job.id}`).send(job);
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        operationId: 'listJobs',
        summary: 'List jobs, newest first',
        tags: ['jobs'],
        querystring: ListQuery,
        response: { 200: jsonBody(JobPage, 'A page of jobs.'), ...guardedProblems() },
      },
    },
    async (request) => {
      const { status, type, limit, cursor } = request.query;
      return engine.list({ status, type, limit: limit ?? 20, cursor }, request.caller);
    },
  );

  app.delete(
    '/jobs/:id',
    {
      schema: {
        operationId: 'cancelJob',
        summary: 'Cancel a job',
        description:
          'A queued job is canceled at once; a running one is aborted and ends as canceled. ' +
          'Idempotent for canceled jobs; a job that succeeded or failed answers 409 job_finished.',
        tags: ['jobs'],
        params: JobIdParams,
        response: {
          200: jsonBody(Type.Ref('Job'), 'The job, canceled.'),
          ...guardedProblems(404, 409),
        },
      },
    },
    async (request) => engine.cancel(request.params.id, request.caller),
  );

  app.get(
    '/job-types',
    {
      // What can be submitted is not a secret; forms are built from it before signing in.
      config: { access: 'public' },
      schema: {
        operationId: 'listJobTypes',
        summary: 'The registered job types and their input schemas',
        tags: ['jobs'],
        response: {
          200: jsonBody(Type.Array(JobTypeDescription), 'Every registered job type.'),
          ...guardedProblems(),
        },
      },
    },
    async () => engine.registry.describe(),
  );
}

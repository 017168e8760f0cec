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
  ProblemRef,
  SubmitBody,
} from '../../edge/schemas.js';
import type { Guards } from '../../edge/guards.js';
import type { App } from '../../edge/app-type.js';
import type { WebhookDelivery } from '../../transports/webhooks.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

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
        summary: 'Submit a job',
        description:
          'Stores the job and answers at once with 202 and its snapshot; the job runs in the background. ' +
          'With an Idempotency-Key, retries return the same job (with `Idempotent-Replayed: true`). ' +
          'With `webhook`, the URL is called back (signed, retried) when the job ends, or on every ' +
          'event with `events: "all"` (docs/webhooks.md); a URL that may not be called is 400 webhook_url_refused.',
        tags: ['jobs'],
        headers: IdempotencyHeaders,
        body: SubmitBody,
        response: {
          202: Type.Ref('Job'),
          400: ProblemRef,
          413: ProblemRef,
          415: ProblemRef,
          422: ProblemRef,
          503: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      guards?.checkSubmit(request);
      const key = request.headers['idempotency-key'];
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new AppError(
          'invalid_idempotency_key',
          'Idempotency-Key must be 1–255 printable ASCII characters',
        );
      }
      const { type, input, attempts, backoff, priority, delay, runAt } = request.body;
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
      });
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(202).header('location', `/jobs/${job.id}`).send(job);
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        summary: 'List jobs, newest first',
        tags: ['jobs'],
        querystring: ListQuery,
        response: { 200: JobPage, 400: ProblemRef },
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
        summary: 'Cancel a job',
        description:
          'A queued job is canceled at once; a running one is aborted and ends as canceled. ' +
          'Idempotent for canceled jobs; a job that succeeded or failed answers 409 job_finished.',
        tags: ['jobs'],
        params: JobIdParams,
        response: { 200: Type.Ref('Job'), 400: ProblemRef, 404: ProblemRef, 409: ProblemRef },
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
        summary: 'The registered job types and their input schemas',
        tags: ['jobs'],
        response: { 200: Type.Array(JobTypeDescription) },
      },
    },
    async () => engine.registry.describe(),
  );
}

/**
 * Short polling: the client asks "how is job X?" on a timer and the server answers at once.
 *
 *   POST /submit                    → 202 { id, jobId, ... }        (the overview's surface)
 *   GET  /check-status?jobId=<id>   → 200 snapshot
 *   GET  /jobs/:id                  → 200 snapshot                   (the REST spelling)
 *
 * Every answer carries `ETag: "<seq>"` (seq grows with every change), so a poll with
 * `If-None-Match` costs a `304 Not Modified` with no body when nothing happened, and a
 * `Retry-After` hint while the job is unfinished. `Cache-Control: no-cache` lets caches keep
 * the body but forces them to revalidate every time, which is exactly this pattern.
 *
 * With `wait` (and `after`) the same two GET routes long-poll instead: see long-polling.ts.
 */
import Type from 'typebox';
import type { JobEngine } from '../jobs/engine.js';
import { JobId, JobIdParams, ProblemRef } from '../edge/schemas.js';
import type { Guards } from '../edge/guards.js';
import type { App } from '../edge/app-type.js';
import type { LongPolling } from './long-polling.js';
import { sendSnapshot, type SnapshotReplyOptions } from './snapshot-reply.js';

export interface ShortPollingRoutesOptions extends SnapshotReplyOptions {
  /** Answers the same routes when a request carries `wait` (src/transports/long-polling.ts). */
  longPolling: LongPolling;
  /** Rate limits for POST /submit. */
  guards?: Guards;
}

const SubmitResponse = Type.Object({
  id: JobId,
  /** The same id under the overview's name. */
  jobId: JobId,
  status: Type.String(),
  progress: Type.Integer(),
  checkStatus: Type.String({ description: 'The URL to poll.' }),
});

/**
 * Optional: `curl -X POST` sends no body at all. What it may contain is the demo job's input,
 * validated by the job registry against the demo schema (the one source of its rules).
 */
const DemoBody = Type.Union([
  Type.Object({}, { description: 'The demo job input, e.g. {"stepMs": 500}.' }),
  Type.Null(),
]);

export function shortPollingRoutes(
  app: App,
  engine: JobEngine,
  options: ShortPollingRoutesOptions,
): void {
  const { longPolling } = options;
  const snapshotResponses = {
    200: Type.Ref('Job'),
    304: Type.Null({ description: 'Not modified: the job has not changed since that ETag.' }),
    400: ProblemRef,
    404: ProblemRef,
  };

  app.get(
    '/jobs/:id',
    {
      schema: {
        summary: 'Read a job (short polling; long polling with `after` and `wait`)',
        description:
          'Answers at once. Send the last ETag in If-None-Match to get 304 while nothing changed; ' +
          'Retry-After says when to ask again. With `wait`, a job still at seq `after` holds the ' +
          'request until its next event or the timeout (Long-Poll-Outcome says which).',
        tags: ['short polling', 'long polling'],
        params: JobIdParams,
        querystring: Type.Object(longPolling.query),
        response: snapshotResponses,
      },
    },
    async (request, reply) =>
      request.query.wait === undefined
        ? sendSnapshot(request, reply, await engine.get(request.params.id, request.caller), options)
        : longPolling.answer(request, reply, request.params.id, request.query),
  );

  app.get(
    '/check-status',
    {
      schema: {
        summary:
          "Read a job (the overview's polling surface; long polling with `after` and `wait`)",
        tags: ['short polling', 'long polling'],
        querystring: Type.Object({ jobId: JobId, ...longPolling.query }),
        response: snapshotResponses,
      },
    },
    async (request, reply) =>
      request.query.wait === undefined
        ? sendSnapshot(
            request,
            reply,
            await engine.get(request.query.jobId, request.caller),
            options,
          )
        : longPolling.answer(request, reply, request.query.jobId, request.query),
  );

  app.post(
    '/submit',
    {
      schema: {
        summary: "Start a demo job (the overview's surface)",
        description:
          'Starts a `demo` job (10% every 3 s unless the optional JSON body sets stepMs) and answers 202 with its id.',
        tags: ['short polling'],
        body: Type.Optional(DemoBody),
        response: { 202: SubmitResponse, 400: ProblemRef, 503: ProblemRef },
      },
    },
    async (request, reply) => {
      options.guards?.checkSubmit(request);
      const { job } = await engine.submit({
        type: 'demo',
        input: request.body ?? {},
        caller: request.caller,
      });
      return reply
        .code(202)
        .header('location', `/jobs/${job.id}`)
        .send({
          id: job.id,
          jobId: job.id,
          status: job.status,
          progress: job.progress,
          checkStatus: `/check-status?jobId=${job.id}`,
        });
    },
  );
}

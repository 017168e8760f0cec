/**
 * The routes of the polling transports: `GET /jobs/:id` and `GET /check-status` answer at once
 * (short polling, src/transports/short-polling.ts) or, when the request carries `wait`, hold
 * it until the job changes (long polling, src/transports/long-polling.ts) — one route per URL.
 * `POST /submit` is the overview's way to start a demo job. Schemas here feed the OpenAPI
 * document; rate limits and shutdown are wired here too.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Guards } from '../../edge/guards.js';
import { JobId, JobIdParams } from '../../edge/schemas.js';
import {
  empty,
  guardedProblems,
  jsonBody,
  RETRY_AFTER,
  type HeaderSpec,
} from '../../edge/responses.js';
import { BODY_OPTIONAL } from '../openapi.js';
import type { App } from '../../edge/app-type.js';
import type { LongPolling } from '../../transports/long-polling.js';
import type { ShortPolling } from '../../transports/short-polling.js';

export interface PollingRoutesOptions {
  shortPolling: ShortPolling;
  longPolling: LongPolling;
  /** Rate limits for POST /submit. */
  guards?: Guards;
}

/** Query parameters long polling adds to the short-polling routes. */
const LongPollQuery = {
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'The seq the client already has; with `wait`, hold until the job passes it.',
    }),
  ),
  wait: Type.Optional(
    Type.Number({
      minimum: 0,
      description:
        'Seconds to hold the request while the job is still at `after` (capped by --long-poll-max-wait, default 60).',
    }),
  ),
};

const SubmitResponse = Type.Object({
  id: JobId,
  /** The same id under the overview's name. */
  jobId: JobId,
  status: Type.Union([Type.Literal('queued'), Type.Literal('running')]),
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

/** What every snapshot answer carries (short-polling.ts, long-polling.ts). */
const SNAPSHOT_HEADERS: Record<string, HeaderSpec> = {
  etag: { type: 'string', pattern: '^"\\d+"$', description: "The job's seq, quoted." },
  ...RETRY_AFTER,
  'long-poll-outcome': {
    type: 'string',
    enum: ['immediate', 'changed', 'timeout', 'closing'],
    description: 'With `wait`: why the answer came (closing: the server is shutting down).',
  },
};

export function pollingRoutes(app: App, options: PollingRoutesOptions): void {
  const { shortPolling, longPolling } = options;
  // Fastify's close waits for in-flight requests, so held ones must be answered first.
  app.addHook('preClose', async () => {
    await longPolling.close();
  });
  /** Short polling, or long polling when the request carries `wait`: one route per URL. */
  const poll = (
    request: FastifyRequest,
    reply: FastifyReply,
    jobId: string,
    query: { after?: number; wait?: number },
  ) =>
    query.wait === undefined
      ? shortPolling.answer(request, reply, jobId)
      : longPolling.answer(request, reply, jobId, query);
  const snapshotResponses = {
    200: jsonBody(Type.Ref('Job'), 'The job snapshot.', SNAPSHOT_HEADERS),
    304: empty('Not modified: the job has not changed since that ETag.', SNAPSHOT_HEADERS),
    // A held request takes a connection slot (--max-connections-per-ip/-key).
    ...guardedProblems(404, 429),
  };

  app.get(
    '/jobs/:id',
    {
      schema: {
        operationId: 'getJob',
        summary: 'Read a job (short polling; long polling with `after` and `wait`)',
        description:
          'Answers at once. Send the last ETag in If-None-Match to get 304 while nothing changed; ' +
          'Retry-After says when to ask again. With `wait`, a job still at seq `after` holds the ' +
          'request until its next event or the timeout (Long-Poll-Outcome says which).',
        tags: ['short polling', 'long polling'],
        params: JobIdParams,
        querystring: Type.Object(LongPollQuery),
        response: snapshotResponses,
      },
    },
    (request, reply) => poll(request, reply, request.params.id, request.query),
  );

  app.get(
    '/check-status',
    {
      schema: {
        operationId: 'checkStatus',
        summary:
          "Read a job (the overview's polling surface; long polling with `after` and `wait`)",
        tags: ['short polling', 'long polling'],
        querystring: Type.Object({ jobId: JobId, ...LongPollQuery }),
        response: snapshotResponses,
      },
    },
    (request, reply) => poll(request, reply, request.query.jobId, request.query),
  );

  app.post(
    '/submit',
    {
      schema: {
        operationId: 'submitDemoJob',
        [BODY_OPTIONAL]: true,
        summary: "Start a demo job (the overview's surface)",
        description:
          'Starts a `demo` job (10% every 3 s unless the optional JSON body sets stepMs) and answers 202 with its id.',
        tags: ['short polling'],
        body: Type.Optional(DemoBody),
        response: {
          202: jsonBody(SubmitResponse, 'Started; poll checkStatus.', {
            location: { type: 'string', description: 'The URL of the job: /jobs/{id}.' },
          }),
          ...guardedProblems(413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      await options.guards?.checkSubmit(request);
      return shortPolling.submit(request, reply, request.body ?? {});
    },
  );
}

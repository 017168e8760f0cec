/**
 * The routes of the server-sent events transport (src/transports/sse.ts): what a stream request
 * may carry (OpenAPI), where it resumes (`Last-Event-ID`, `?after=`), which jobs and topics it
 * follows — validated into catalogue errors before anything is streamed — and the transport's
 * shutdown and buffered-bytes gauge.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import Type from 'typebox';
import { JobIdParams } from '../../edge/schemas.js';
import { empty, guardedProblems, type ResponseSpec } from '../../edge/responses.js';
import { JOB_ID_SCHEMA_PATTERN } from '../../model/job.js';
import type { App } from '../../edge/app-type.js';
import { AppError } from '../../model/errors/app-error.js';
import {
  furthest,
  parseCursorList,
  parseSeqId,
  type Cursors,
} from '../../transports/sse-cursor.js';
import { MAX_STREAM_JOBS, parseJobList, parseTopics } from '../../transports/sse-request.js';
import type { SseTransport, StreamRequest } from '../../transports/sse.js';

/**
 * The stream itself. OpenAPI 3.1 cannot type the events of a stream, so `x-sse-events` names
 * each `event:` the stream sends and the schema of its `data:` (JSON).
 */
const EventStream = {
  description:
    'text/event-stream: `id:`, `event:` (the event kind, or `reset`) and `data:` (JSON) per event; ' +
    '`retry:` and a `: heartbeat-ms <ms>` comment first, comment heartbeats while idle. ' +
    'See docs/protocol.md (server-sent events).',
  content: {
    'text/event-stream': {
      schema: Type.String({ description: 'A stream of server-sent events.' }),
      'x-sse-events': {
        '<kind> (queued, started, progress, succeeded, failed, canceled, requeued)': {
          id: 'The seq (`/jobs/{id}/events`) or `jobId:seq,…` (`/events`)',
          data: { $ref: '#/components/schemas/JobEvent' },
        },
        reset: {
          description:
            'The history after the cursor is gone (or the cursor is ahead): the current snapshot.',
          data: { $ref: '#/components/schemas/Job' },
        },
      },
    },
  },
} satisfies ResponseSpec;
const StreamResponses = {
  200: EventStream,
  204: empty('The job finished and the client already has its last event: stop reconnecting.'),
  // A stream takes a connection slot (--max-connections-per-ip/-key).
  ...guardedProblems(404, 429),
};
const SEQ = '\\d{1,15}';
const CURSOR = `${JOB_ID_SCHEMA_PATTERN.slice(1, -1)}:${SEQ}`;
const SingleJobEventId = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: `^(${SEQ})?$`,
      description: 'Sent by EventSource on reconnect: the last id it received (a seq).',
    }),
  ),
});
const MultiplexedEventId = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: `^(${CURSOR}(,${CURSOR})*)?$`,
      description: 'Sent by EventSource on reconnect: the last id it received (`jobId:seq,…`).',
    }),
  ),
});

export function eventStreamRoutes(app: App, sse: SseTransport, registry: Registry): void {
  new Gauge({
    name: 'sse_buffered_bytes',
    help: 'Bytes waiting to reach SSE clients (socket buffers and pending messages).',
    registers: [registry],
    collect() {
      this.set(sse.bufferedBytes);
    },
  });
  // Fastify's close waits for open responses, and a stream never ends by itself.
  app.addHook('preClose', async () => {
    await sse.close();
  });

  app.get(
    '/jobs/:id/events',
    {
      // EventSource cannot send headers: an access token may stand in for the API key.
      config: { access: 'stream' },
      schema: {
        operationId: 'streamJobEvents',
        summary: "Stream a job's events (server-sent events)",
        tags: ['server-sent events'],
        params: JobIdParams,
        headers: SingleJobEventId,
        querystring: Type.Object({
          after: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'Resume after this seq (as Last-Event-ID).',
            }),
          ),
        }),
        response: StreamResponses,
      },
    },
    async (request, reply) => {
      const fromHeader = parseSeqId(request.headers['last-event-id'], 'Last-Event-ID');
      const after = Math.max(request.query.after ?? 0, fromHeader ?? 0);
      const cursors: Cursors = new Map([[request.params.id, after]]);
      return stream(sse, request, reply, { cursors, topics: false, multiplexed: false });
    },
  );

  app.get(
    '/events',
    {
      config: { access: 'stream' },
      schema: {
        operationId: 'streamEvents',
        summary: 'Stream several jobs and topics on one connection (server-sent events)',
        tags: ['server-sent events'],
        headers: MultiplexedEventId,
        querystring: Type.Object({
          jobs: Type.Optional(
            Type.String({ description: `Job ids, comma-separated (at most ${MAX_STREAM_JOBS}).` }),
          ),
          topics: Type.Optional(
            Type.String({ description: '`jobs`: every job’s events, live only.' }),
          ),
          after: Type.Optional(
            Type.String({ description: 'Resume positions, `jobId:seq,…` (as Last-Event-ID).' }),
          ),
        }),
        response: StreamResponses,
      },
    },
    async (request, reply) => {
      const jobs = parseJobList(request.query.jobs);
      const topics = parseTopics(request.query.topics);
      if (jobs.length === 0 && !topics) {
        throw new AppError('invalid_request', 'name at least one of jobs=<id>,… or topics=jobs');
      }
      const resumeAt = furthest(
        parseCursorList(request.query.after, 'after', MAX_STREAM_JOBS),
        parseCursorList(request.headers['last-event-id'], 'Last-Event-ID', MAX_STREAM_JOBS + 1),
      );
      const cursors: Cursors = new Map(jobs.map((id) => [id, resumeAt.get(id) ?? 0]));
      return stream(sse, request, reply, { cursors, topics, multiplexed: true });
    },
  );
}

/** Answers a stream request through Fastify: 404, 204, or the stream (transports/sse.ts). */
async function stream(
  sse: SseTransport,
  request: FastifyRequest,
  reply: FastifyReply,
  spec: StreamRequest,
): Promise<FastifyReply> {
  const opened = await sse.open(
    {
      caller: request.caller,
      ip: request.ip,
      request: request.raw,
      response: reply.raw,
      reply,
      log: request.log,
    },
    spec,
  );
  if (opened === 'finished') return reply.code(204).send();
  if (opened === 'gone') return reply.hijack();
  return reply;
}

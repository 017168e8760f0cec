/**
 * The routes of the server-sent events transport (src/transports/sse.ts): what a stream request
 * may carry (OpenAPI), where it resumes (`Last-Event-ID`, `?after=`), which jobs and topics it
 * follows — validated into catalogue errors before anything is streamed — and the transport's
 * shutdown and buffered-bytes gauge.
 */
import { Gauge, type Registry } from 'prom-client';
import Type from 'typebox';
import { JobIdParams, ProblemRef } from '../../edge/schemas.js';
import type { App } from '../../edge/app-type.js';
import { AppError } from '../../model/errors/app-error.js';
import {
  furthest,
  parseCursorList,
  parseSeqId,
  type Cursors,
} from '../../transports/sse-cursor.js';
import { MAX_STREAM_JOBS, parseJobList, parseTopics } from '../../transports/sse-request.js';
import type { SseTransport } from '../../transports/sse.js';

const EventStream = {
  description:
    'text/event-stream: `id:`, `event:` (event kind or `reset`) and `data:` (JSON) per event; ' +
    '`retry:` and a `: heartbeat-ms <ms>` comment first, comment heartbeats while idle. ' +
    'See docs/protocol.md.',
  content: { 'text/event-stream': { schema: Type.String() } },
};
const Finished = Type.Null({
  description: 'The job finished and the client already has its last event: stop reconnecting.',
});
const StreamResponses = {
  200: EventStream,
  204: Finished,
  400: ProblemRef,
  404: ProblemRef,
  503: ProblemRef,
};
const LastEventIdHeader = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ description: 'Sent by EventSource on reconnect: the last id it received.' }),
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
        summary: "Stream a job's events (server-sent events)",
        tags: ['server-sent events'],
        params: JobIdParams,
        headers: LastEventIdHeader,
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
      return sse.stream(request, reply, { cursors, topics: false, multiplexed: false });
    },
  );

  app.get(
    '/events',
    {
      config: { access: 'stream' },
      schema: {
        summary: 'Stream several jobs and topics on one connection (server-sent events)',
        tags: ['server-sent events'],
        headers: LastEventIdHeader,
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
      return sse.stream(request, reply, { cursors, topics, multiplexed: true });
    },
  );
}

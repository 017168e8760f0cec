/**
 * Server-sent events: one long HTTP response that the server keeps writing events into.
 *
 *   GET /jobs/:id/events                  one job: its log from the start (or after the cursor),
 *                                         then live; the stream ends after the terminal event
 *   GET /events?jobs=<id>,<id>&topics=jobs  several jobs, and every job's events, on one
 *                                         connection (browsers allow 6 per origin on HTTP/1.1)
 *
 * Each event is `id:` (see sse-cursor.ts), `event:` (the event kind: queued, started, progress,
 * succeeded, failed, canceled, requeued — or `reset`) and `data:` (the event as JSON; for
 * `reset`, the job snapshot). The stream starts with a `retry:` hint and a comment announcing
 * the heartbeat interval (`: heartbeat-ms <ms>`), and sends a comment heartbeat after
 * --sse-heartbeat without events.
 *
 * Resume: a reconnect sends `Last-Event-ID` (EventSource does it by itself) or `?after=`; the
 * server replays exactly the events after it from the durable log, then continues live — the
 * job feed (job-feed.ts) subscribes before it reads, so nothing falls in between, and the log
 * outlives restarts. History already pruned → a `reset` event with the snapshot. A job that
 * finished and whose last event the client already has gets `204 No Content`, which tells
 * EventSource to stop reconnecting.
 *
 * `topics=jobs` events are live only: after a reconnect, read missed jobs with GET /jobs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import Type from 'typebox';
import { canSee } from '../auth/caller.js';
import { visibleEvents } from '../jobs/visibility.js';
import { AppError } from '../model/errors/app-error.js';
import { transportMetrics, type TransportMetrics } from '../edge/transport-metrics.js';
import { JobIdParams, ProblemRef } from '../edge/schemas.js';
import type { Guards } from '../edge/guards.js';
import type { App } from '../edge/app-type.js';
import { isTerminal, type Job } from '../model/job.js';
import type { Store } from '../store/store.js';
import { furthest, parseCursorList, parseSeqId, type Cursors } from './sse-cursor.js';
import { eventMessage, followJob } from './sse-follow.js';
import { MAX_STREAM_JOBS, parseJobList, parseTopics } from './sse-request.js';
import { SseStream, type StreamMessage } from './sse-stream.js';

export interface SseOptions {
  /** Idle time before a heartbeat comment, in milliseconds. */
  heartbeat: number;
  /** The `retry:` hint, in milliseconds. */
  retry: number;
  /** Bytes a slow client may have waiting before its stream is closed. */
  maxBuffer: number;
  /** An open stream takes a connection slot of its address and key. */
  guards?: Guards;
}

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

interface StreamRequest {
  /** Where each job resumes (0 = from its first event). */
  cursors: Cursors;
  topics: boolean;
  multiplexed: boolean;
}

export function sseRoutes(app: App, store: Store, options: SseOptions, registry: Registry): void {
  const metrics = transportMetrics(registry);
  const streams = new Set<SseStream>();
  new Gauge({
    name: 'sse_buffered_bytes',
    help: 'Bytes waiting to reach SSE clients (socket buffers and pending messages).',
    registers: [registry],
    collect() {
      let total = 0;
      for (const stream of streams) total += stream.bufferedBytes;
      this.set(total);
    },
  });
  const context: StreamContext = { store, options, metrics, streams, closing: false };
  // Fastify's close waits for open responses, and a stream never ends by itself.
  app.addHook('preClose', (done) => {
    context.closing = true;
    for (const stream of streams) stream.shutdown();
    done();
  });

  const open = (request: FastifyRequest, reply: FastifyReply, spec: StreamRequest) =>
    openStream(request, reply, spec, context);

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
      return open(request, reply, { cursors, topics: false, multiplexed: false });
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
      return open(request, reply, { cursors, topics, multiplexed: true });
    },
  );
}

interface StreamContext {
  store: Store;
  options: SseOptions;
  metrics: TransportMetrics;
  streams: Set<SseStream>;
  /** Set at shutdown: streams still being opened must not start. */
  closing: boolean;
}

async function openStream(
  request: FastifyRequest,
  reply: FastifyReply,
  spec: StreamRequest,
  context: StreamContext,
): Promise<FastifyReply> {
  const { store, options, metrics, streams } = context;
  // Read every job before streaming: an unknown one is a 404, not a stream that ends at once.
  const snapshots: Job[] = [];
  for (const id of spec.cursors.keys()) {
    const job = await store.get(id);
    if (!job || !canSee(request.caller, job)) {
      throw new AppError('job_not_found', `no job has id ${id}`);
    }
    snapshots.push(job);
  }
  // A finished job whose last event the client has will never send another one.
  const following = snapshots.filter(
    (job) => !(isTerminal(job.status) && spec.cursors.get(job.id) === job.seq),
  );
  if (following.length === 0 && !spec.topics) return reply.code(204).send();
  // Shutdown began while the jobs were read: a stream opened now would hold the server open.
  if (context.closing) throw new AppError('shutting_down', 'the server is shutting down');

  const releaseSlot = options.guards?.holdConnection(request.ip, request.caller.owner);
  void reply.hijack();
  const stream = new SseStream(reply.raw, {
    heartbeatMs: options.heartbeat,
    retryMs: options.retry,
    maxBuffer: options.maxBuffer,
    cursors: spec.multiplexed ? spec.cursors : undefined,
    metrics,
  });
  streams.add(stream);
  stream.onClose(() => {
    streams.delete(stream);
    releaseSlot?.();
  });
  stream.start();
  // HEAD: the headers, then the end (Node would hold them until the end of a stream anyway).
  if (request.method === 'HEAD') {
    stream.end();
    return reply;
  }

  let unfinished = following.length;
  const send = (message: StreamMessage) => {
    stream.send(message);
    if (message.final && --unfinished === 0 && !spec.topics) stream.end();
  };

  if (spec.topics) {
    const unsubscribe = store.subscribe(
      'jobs',
      visibleEvents(store, request.caller, (event) => {
        // Jobs named on the stream arrive through their own feed, in order and resumable.
        if (!spec.cursors.has(event.jobId)) stream.send(eventMessage(event));
      }),
    );
    stream.onClose(unsubscribe);
  }
  const follow = { store, stream, send, log: request.log };
  for (const job of following) await followJob(job, spec.cursors.get(job.id) ?? 0, follow);
  return reply;
}

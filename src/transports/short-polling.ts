/**
 * Short polling: the client asks "how is job X?" on a timer and the server answers at once
 * (`GET /jobs/:id`, `GET /check-status?jobId=<id>`; routes in src/http/routes/polling.ts).
 *
 * A long-running job does not hold the request that started it: `POST /submit` answers
 * `202 Accepted` with the job's id and where to poll, and the job runs in the background.
 *
 * Every answer carries `ETag: "<seq>"` (seq grows with every change), so a poll with
 * `If-None-Match` costs a `304 Not Modified` with no body when nothing happened, and a
 * `Retry-After` hint while the job is unfinished. `Cache-Control: no-cache` lets caches keep
 * the body but forces them to revalidate every time, which is exactly this pattern.
 *
 * With `wait` (and `after`) the same routes long-poll instead: see long-polling.ts, which
 * answers with the same `sendSnapshot`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobEngine } from '../jobs/engine.js';
import { isTerminal, type Job } from '../model/job.js';

export interface ShortPollingOptions {
  /** Retry-After hint, in milliseconds (sent as whole seconds); 0 sends none. */
  pollInterval: number;
}

export class ShortPolling {
  readonly #engine: JobEngine;
  readonly #options: ShortPollingOptions;

  constructor(engine: JobEngine, options: ShortPollingOptions) {
    this.#engine = engine;
    this.#options = options;
  }

  /** Answers a poll at once: the job's snapshot, or 304 when the client already has it. */
  async answer(request: FastifyRequest, reply: FastifyReply, jobId: string): Promise<FastifyReply> {
    const job = await this.#engine.get(jobId, request.caller);
    return sendSnapshot(request, reply, job, this.#options);
  }

  /** Starts a demo job and answers 202 with its id and the URL to poll. */
  async submit(
    request: FastifyRequest,
    reply: FastifyReply,
    input: unknown,
  ): Promise<FastifyReply> {
    const { job } = await this.#engine.submit({ type: 'demo', input, caller: request.caller });
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
  }
}

export function etagOf(job: Job): string {
  return `"${job.seq}"`;
}

/** If-None-Match matches when it lists this ETag (weak comparison) or is `*`. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** Sends a snapshot with its validators, or 304 when the client already has this version. */
export function sendSnapshot(
  request: FastifyRequest,
  reply: FastifyReply,
  job: Job,
  options: ShortPollingOptions,
): FastifyReply {
  const etag = etagOf(job);
  void reply.header('etag', etag).header('cache-control', 'no-cache');
  if (!isTerminal(job.status) && options.pollInterval > 0) {
    void reply.header('retry-after', String(Math.max(1, Math.round(options.pollInterval / 1000))));
  }
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.code(200).send(job);
}

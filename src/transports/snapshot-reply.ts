/**
 * How both polling transports answer with a job's snapshot: `ETag: "<seq>"` (seq grows with
 * every change), `Cache-Control: no-cache`, a `Retry-After` hint while the job is unfinished,
 * and `304 Not Modified` without a body when the client's If-None-Match already names this
 * version.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isTerminal, type Job } from '../model/job.js';

export interface SnapshotReplyOptions {
  /** Retry-After hint, in milliseconds (sent as whole seconds); 0 sends none. */
  pollInterval: number;
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
  options: SnapshotReplyOptions,
): FastifyReply {
  const etag = etagOf(job);
  void reply.header('etag', etag).header('cache-control', 'no-cache');
  if (!isTerminal(job.status) && options.pollInterval > 0) {
    void reply.header('retry-after', String(Math.max(1, Math.round(options.pollInterval / 1000))));
  }
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.code(200).send(job);
}

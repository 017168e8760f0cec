/**
 * Fastify's per-request log lines — "incoming request", "request completed", a 404, a 4xx —
 * at `debug` unless --log-requests puts them at `info`. A dashboard open in a browser makes
 * dozens of requests a minute (polls, long polls, /stats), and at info each was two JSON lines
 * that buried what the server itself had to say. Server errors (5xx, a failed stream) are
 * logged either way, at Fastify's own levels.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class RequestLogController extends LogController {
  readonly #level: 'info' | 'debug';

  constructor(logRequests: boolean) {
    super();
    this.#level = logRequests ? 'info' : 'debug';
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log[this.#level]({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      super.requestCompleted(error, request, reply);
      return;
    }
    reply.log[this.#level]({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) {
      super.defaultErrorLog(error, request, reply);
      return;
    }
    reply.log[this.#level]({ res: reply, err: error }, error.message);
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log[this.#level](`Route ${request.method}:${request.url} not found`);
  }
}

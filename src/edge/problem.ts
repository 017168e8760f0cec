/**
 * Every error response is an RFC 9457 problem document (`application/problem+json`) whose `code`
 * is in the catalogue. Fastify's own errors (validation, body parsing, limits) are mapped here
 * too, so no client ever sees a framework-shaped error or a stack trace.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { AppError, isAppError } from '../model/errors/app-error.js';
import type { ProblemDocument } from '../model/errors/problem-document.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../model/errors/catalogue.js';
import { fieldErrors } from '../model/schema-errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type { ProblemDocument } from '../model/errors/problem-document.js';

export function problemOf(error: AppError, instance?: string): ProblemDocument {
  const spec = ERROR_CATALOGUE[error.code];
  return {
    ...error.extensions,
    type: `/errors/${error.code}`,
    title: spec.title,
    status: spec.status,
    detail: error.message,
    code: error.code,
    ...(instance === undefined ? {} : { instance }),
  };
}

/** What a 401 must say (RFC 9110 §11.6.1): how to authenticate. Every 401 carries it. */
export const AUTHENTICATE_CHALLENGE = 'Bearer realm="backend-patterns"';

/**
 * The `WWW-Authenticate` value for `error`, if it needs one: every 401, and the 403 of a scoped
 * token. A refused token's challenge says why (RFC 6750 §3: `error`, `error_description`).
 */
export function challengeOf(error: AppError): string | undefined {
  if (error.code === 'unauthorized') return AUTHENTICATE_CHALLENGE;
  if (error.code !== 'invalid_token' && error.code !== 'insufficient_scope') return undefined;
  // RFC 6750 allows printable ASCII except `"` and `\` in error_description.
  const description = error.message.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
  return `${AUTHENTICATE_CHALLENGE}, error="${error.code}", error_description="${description}"`;
}

/** The path of a request URL: the query string may carry an access token. */
export function pathOf(url: string): string {
  return url.split('?', 1)[0] ?? url;
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  const problem = problemOf(error, pathOf(reply.request.url));
  const challenge = challengeOf(error);
  if (challenge !== undefined) void reply.header('www-authenticate', challenge);
  // A limit that says when to come back says it the HTTP way too.
  const retryAfterMs = error.extensions.retryAfterMs;
  if (typeof retryAfterMs === 'number') {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  }
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_BAD_URL: 'invalid_request',
  FST_ERR_MAX_PARAM_LENGTH: 'invalid_request',
};

/** Any error thrown while serving a request, as a catalogue error. */
export function toAppError(error: FastifyError | Error): AppError {
  if (isAppError(error)) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationError(fastifyError);
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new AppError(mapped, detailOf(mapped, fastifyError));
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new AppError('malformed_json', 'the body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError('invalid_request', STATUS_CODES[status] ?? 'bad request');
  }
  return new AppError('internal_error', 'an unexpected error occurred');
}

function detailOf(code: ErrorCode, error: FastifyError): string {
  if (code === 'payload_too_large') return 'the request body is larger than the server accepts';
  if (code === 'unsupported_media_type') return 'send the body as application/json';
  return error.message;
}

function validationError(error: FastifyError): AppError {
  const context = error.validationContext ?? 'request';
  const errors = fieldErrors(error.validation ?? [], context);
  // The body's `type` is an enum of the registered job types (edge/schemas.ts).
  const typeEnum = error.validation?.find(
    (e) => e.keyword === 'enum' && context === 'body' && e.instancePath === '/type',
  );
  if (typeEnum && errors.every((e) => e.field === 'body.type')) {
    const knownTypes = (typeEnum.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return new AppError(
      'unknown_job_type',
      `unknown job type; known types: ${knownTypes.join(', ')}`,
      {
        knownTypes,
      },
    );
  }
  // A malformed id gets its own code: it is the most common client mistake on this API.
  const idFields = new Set(['params.id', 'querystring.jobId']);
  if (errors.length > 0 && errors.every((e) => idFields.has(e.field))) {
    const field = errors[0]?.field ?? 'id';
    const missing = errors.some((e) => e.message === 'is required');
    return new AppError(
      missing ? 'invalid_request' : 'invalid_job_id',
      missing ? `${field} is required` : `${field} is not a job id`,
      { errors },
    );
  }
  if (errors.length > 0 && errors.every((e) => e.field === 'headers.last-event-id')) {
    return new AppError('invalid_event_id', 'Last-Event-ID is not an id this stream sends', {
      errors,
    });
  }
  const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ');
  return new AppError('invalid_request', detail || 'the request is invalid', { errors });
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, appError);
  });
  // Before anything else reads the request (a QUERY without Content-Type would be refused as
  // 400 first): a path that exists under other methods answers 405 with Allow.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = pathOf(request.url);
    // findRoute's type says it always finds one; it returns null when it does not.
    const allowed = ROUTABLE_METHODS.filter((method) => {
      const found: unknown = app.findRoute({ method, url: path });
      return found !== null;
    });
    if (allowed.length === 0) return;
    void reply.header('allow', allowed.join(', '));
    throw new AppError('method_not_allowed', `${path} supports ${allowed.join(', ')}`);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new AppError('not_found', `no route for ${request.method} ${pathOf(request.url)}`),
    ),
  );
}

/** The methods a route here may have; a path with any of them answers others with 405. */
const ROUTABLE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Errors Fastify's router meets before any handler (a path with bad percent-encoding, a path
 * parameter over 100 characters): without this it answers them with its own JSON shape.
 */
export function handleFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  void sendProblem(reply, toAppError(error));
}

/**
 * Answers requests Node's HTTP parser rejects (before Fastify sees them) with a problem
 * document, then closes the connection, which cannot be trusted to be in sync any more.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'headers_too_large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'request_timeout'
        : 'malformed_request';
  socket.end(rawProblemResponse(new AppError(code)));
}

/**
 * A whole HTTP/1.1 response carrying `error`'s problem document, for sockets Fastify does not
 * own (the WebSocket upgrade, requests Node's parser refused). `instance` is a path, never a
 * URL with its query.
 */
export function rawProblemResponse(error: AppError, instance?: string): string {
  const body = JSON.stringify(problemOf(error, instance));
  const value = challengeOf(error);
  const challenge = value === undefined ? '' : `WWW-Authenticate: ${value}\r\n`;
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `${challenge}Connection: close\r\n\r\n${body}`
  );
}

/**
 * What an operation may answer besides its success, written once so every route's OpenAPI entry
 * lists every status the server can send there — as `application/problem+json`, with the headers
 * that come with it (WWW-Authenticate on 401, Retry-After on 429 and 503). The routes validate
 * and serialise with the same objects, and test/contract checks every response the integration
 * tests receive against the document, so an undocumented status or header fails `npm test`.
 */
import Type, { type TSchema } from 'typebox';
import { ProblemRef } from './schemas.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export interface HeaderSpec {
  type: 'string' | 'integer';
  description: string;
  pattern?: string;
  enum?: string[];
}

/** A response entry: a description, its headers, and its body per media type. */
export interface ResponseSpec {
  description: string;
  headers?: Record<string, HeaderSpec>;
  content?: Record<string, { schema: TSchema; [extension: `x-${string}`]: unknown }>;
}

export const RETRY_AFTER: Record<string, HeaderSpec> = {
  'retry-after': { type: 'integer', description: 'Seconds to wait before asking again.' },
};

/** A problem-details response. */
export function problem(description: string, headers?: Record<string, HeaderSpec>): ResponseSpec {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemRef } },
  };
}

/** A JSON response with `schema` as its body. */
export function jsonBody(
  schema: TSchema,
  description: string,
  headers?: Record<string, HeaderSpec>,
): ResponseSpec {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema } },
  };
}

/** A response with no body (204, 304). */
export function empty(description: string, headers?: Record<string, HeaderSpec>): TSchema {
  // @fastify/swagger omits the content of a `null` schema and keeps its headers.
  return Type.Null({ description, ...(headers ? { headers } : {}) });
}

/** The problems by status; each says when it happens in general (codes: docs/errors.md). */
const PROBLEMS = {
  400: problem(
    'The request does not match its schema or is malformed (`errors` names each field).',
  ),
  401: problem(
    'Authentication is on and the request carries no valid credentials (an API key, an identity provider JWT, or on streams an access token).',
    {
      'www-authenticate': {
        type: 'string',
        description:
          'The Bearer challenge; `error` and `error_description` say why a token was refused (RFC 6750).',
      },
    },
  ),
  403: problem('The credentials are valid but do not allow this (token scope, Origin).', {
    'www-authenticate': {
      type: 'string',
      description: 'With a scoped token: `Bearer error="insufficient_scope"` (RFC 6750).',
    },
  }),
  404: problem('No such resource, or one this caller may not see.'),
  405: problem('The path exists but not with this method.', {
    allow: { type: 'string', description: 'The methods the path supports.' },
  }),
  409: problem('The request conflicts with the resource’s state.'),
  413: problem('The body is larger than --body-limit (or a message than its limit).'),
  415: problem('The body is not application/json.'),
  422: problem('The Idempotency-Key was used for a different request.'),
  429: problem('A rate limit or connection cap was reached.', RETRY_AFTER),
  500: problem('An unexpected error; details are in the server log only.'),
  503: problem(
    'The server is draining for shutdown, or its store is unavailable or unsafe.',
    RETRY_AFTER,
  ),
} as const;

export type ProblemStatus = keyof typeof PROBLEMS;

/** The problem entries for `statuses`, plus what any request can meet (400, 500). */
export function problems(
  ...statuses: ProblemStatus[]
): Partial<Record<ProblemStatus, ResponseSpec>> {
  const result: Partial<Record<ProblemStatus, ResponseSpec>> = {};
  for (const status of [400, 500, ...statuses] as ProblemStatus[])
    result[status] = PROBLEMS[status];
  return result;
}

/**
 * What any operation behind authentication may answer: 401 without valid credentials, 403 for
 * a scoped token outside its scope, 503 when its store (or the identity provider's key set)
 * fails, besides 400 and 500.
 */
export function guardedProblems(
  ...statuses: ProblemStatus[]
): Partial<Record<ProblemStatus, ResponseSpec>> {
  return problems(401, 403, 503, ...statuses);
}

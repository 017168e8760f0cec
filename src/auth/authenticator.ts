/**
 * Names the caller of a request from its credentials: `Authorization: Bearer <API key>` or
 * `Bearer <JWT>` from the identity provider (auth/jwt-verifier.ts), or on stream routes a
 * short-lived access token (`?access_token=` or the `bp_token` cookie). Knows headers and URLs,
 * not Fastify: the HTTP hook (http/auth.ts) and the WebSocket upgrade both use it.
 *
 * An API key is answered synchronously, as before JWTs existed: only a bearer value that is no
 * key and is shaped like a JWT, or an access token, costs a (promised) signature check.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../model/errors/app-error.js';
import type { AccessTokens } from './access-token.js';
import { ApiKeys } from './api-keys.js';
import { ANONYMOUS, type Caller } from './caller.js';
import { looksLikeJwt, type JwtVerifier } from './jwt-verifier.js';

export const TOKEN_COOKIE = 'bp_token';

export interface Authenticator {
  readonly enabled: boolean;
  /**
   * The caller these credentials name, or `unauthorized` / `invalid_token` / `jwks_unavailable`
   * (thrown, or the promise rejects). A promise only for tokens: an API key is looked up at
   * once. `allowToken`: also accept an access token from `?access_token=` or the cookie.
   */
  authenticate(
    headers: IncomingHttpHeaders,
    url: string | undefined,
    allowToken: boolean,
  ): Caller | Promise<Caller>;
  /**
   * The worker these credentials name (worker protocol): a worker key's name, `anonymous` when
   * neither worker nor API keys are configured, else `unauthorized` — an API key is no worker's.
   */
  authenticateWorker(headers: IncomingHttpHeaders): string;
  readonly tokens: AccessTokens;
}

export const ANONYMOUS_WORKER = 'anonymous';

/** `jwt`: the identity provider's tokens (--jwt-secret, --jwks-url); with it, auth is on. */
export function authenticator(
  keys: ApiKeys,
  tokens: AccessTokens,
  workerKeys: ApiKeys = new ApiKeys(),
  jwt?: JwtVerifier,
): Authenticator {
  const enabled = keys.enabled || jwt !== undefined;
  return {
    enabled,
    tokens,
    authenticateWorker(headers) {
      if (!workerKeys.enabled) {
        if (!enabled) return ANONYMOUS_WORKER;
        throw unauthorized(
          'authentication is on and this server has no worker keys (--worker-keys)',
        );
      }
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      const worker = bearer === undefined ? undefined : workerKeys.ownerOf(bearer);
      if (worker !== undefined) return worker;
      throw unauthorized(
        bearer === undefined
          ? 'send Authorization: Bearer <worker key>'
          : 'the worker key is not valid',
      );
    },
    authenticate(headers, url, allowToken) {
      if (!enabled) return ANONYMOUS;
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      if (bearer !== undefined) {
        const owner = keys.ownerOf(bearer);
        if (owner !== undefined) return { owner };
        if (jwt !== undefined && looksLikeJwt(bearer)) return jwt.verify(bearer);
        throw unauthorized('the API key is not valid');
      }
      if (allowToken) {
        const token = tokenFrom(headers, url);
        if (token !== undefined) return tokens.verify(token);
      }
      throw unauthorized(
        jwt === undefined
          ? 'send Authorization: Bearer <API key>'
          : 'send Authorization: Bearer <API key or JWT>',
      );
    },
  };
}

function unauthorized(detail: string): AppError {
  return new AppError('unauthorized', detail);
}

function tokenFrom(headers: IncomingHttpHeaders, url: string | undefined): string | undefined {
  const query = url?.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?'))) : undefined;
  const fromQuery = query?.get('access_token');
  if (fromQuery) return fromQuery;
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE && value.length > 0) return value.join('=');
  }
  return undefined;
}

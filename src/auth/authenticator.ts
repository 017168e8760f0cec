/**
 * Names the caller of a request from its credentials: `Authorization: Bearer <API key>`, or on
 * stream routes a short-lived access token (`?access_token=` or the `bp_token` cookie). Knows
 * headers and URLs, not Fastify: the HTTP hook (http/auth.ts) and the WebSocket upgrade both
 * use it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../model/errors/app-error.js';
import type { AccessTokens } from './access-token.js';
import { ApiKeys } from './api-keys.js';
import { ANONYMOUS, type Caller } from './caller.js';

export const TOKEN_COOKIE = 'bp_token';

export interface Authenticator {
  readonly enabled: boolean;
  /**
   * The caller these credentials name, or `unauthorized`. `allowToken`: also accept an access
   * token from `?access_token=` or the cookie.
   */
  authenticate(headers: IncomingHttpHeaders, url: string | undefined, allowToken: boolean): Caller;
  /**
   * The worker these credentials name (worker protocol): a worker key's name, `anonymous` when
   * neither worker nor API keys are configured, else `unauthorized` — an API key is no worker's.
   */
  authenticateWorker(headers: IncomingHttpHeaders): string;
  readonly tokens: AccessTokens;
}

export const ANONYMOUS_WORKER = 'anonymous';

export function authenticator(
  keys: ApiKeys,
  tokens: AccessTokens,
  workerKeys: ApiKeys = new ApiKeys(),
): Authenticator {
  return {
    enabled: keys.enabled,
    tokens,
    authenticateWorker(headers) {
      if (!workerKeys.enabled) {
        if (!keys.enabled) return ANONYMOUS_WORKER;
        throw unauthorized('API keys are on and this server has no worker keys (--worker-keys)');
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
      if (!keys.enabled) return ANONYMOUS;
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      if (bearer !== undefined) {
        const owner = keys.ownerOf(bearer);
        if (owner !== undefined) return { owner };
        throw unauthorized('the API key is not valid');
      }
      if (allowToken) {
        const token = tokenFrom(headers, url);
        if (token !== undefined) {
          const owner = tokens.verify(token);
          if (owner !== undefined) return { owner };
          throw unauthorized('the access token is not valid or has expired');
        }
      }
      throw unauthorized('send Authorization: Bearer <API key>');
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

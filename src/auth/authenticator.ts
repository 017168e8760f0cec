/**
 * Names the caller of a request from its credentials: `Authorization: Bearer <API key>`, or on
 * stream routes a short-lived access token (`?access_token=` or the `bp_token` cookie). Knows
 * headers and URLs, not Fastify: the HTTP hook (http/auth.ts) and the WebSocket upgrade both
 * use it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../model/errors/app-error.js';
import type { AccessTokens } from './access-token.js';
import type { ApiKeys } from './api-keys.js';
import { ANONYMOUS, type Caller } from './caller.js';

export const TOKEN_COOKIE = 'bp_token';

export interface Authenticator {
  readonly enabled: boolean;
  /**
   * The caller these credentials name, or `unauthorized`. `allowToken`: also accept an access
   * token from `?access_token=` or the cookie.
   */
  authenticate(headers: IncomingHttpHeaders, url: string | undefined, allowToken: boolean): Caller;
  readonly tokens: AccessTokens;
}

export function authenticator(keys: ApiKeys, tokens: AccessTokens): Authenticator {
  return {
    enabled: keys.enabled,
    tokens,
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

/**
 * Short-lived access tokens, for the two clients that cannot send an Authorization header: the
 * browser's EventSource (SSE) and WebSocket. A client exchanges its API key (or its identity
 * provider's JWT) for a token at POST /auth/token and passes it as `?access_token=` (or the
 * cookie set there).
 *
 * A token is a standard JWT (jose, HS256 with --token-secret): `sub` the owner, `aud`
 * `backend-patterns:stream`, `iss` `backend-patterns`, `iat`/`exp`, and the caller's scope
 * claims when its own token was scoped (auth/token-scope.ts), so a scoped JWT cannot be
 * widened by exchanging it. The audience keeps these tokens apart from any other JWT signed with
 * the same secret. Stateless, so any gateway sharing --token-secret accepts it; it expires after
 * --token-ttl, which bounds what a token leaked from a URL (logs, history) can do. Times are read
 * on the deployment's clock (in Redis mode Redis's, so a gateway with a skewed clock neither
 * issues tokens that are already expired elsewhere nor accepts expired ones).
 */
import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Caller } from './caller.js';
import { fromJoseError, refusal } from './jwt-errors.js';
import { scopeClaims, scopeFromClaims, type TokenScope } from './token-scope.js';

export const ACCESS_TOKEN_AUDIENCE = 'backend-patterns:stream';
export const ACCESS_TOKEN_ISSUER = 'backend-patterns';
const MAX_TOKEN_LENGTH = 8192;

export interface AccessToken {
  token: string;
  owner: string;
  expiresAt: Date;
}

export class AccessTokens {
  readonly #secret: Uint8Array;
  readonly #clock: () => number;
  readonly ttlMs: number;

  /** Without a secret, a random one: tokens then work only on this process. */
  constructor(secret: string | undefined, ttlMs: number, clock: () => number = Date.now) {
    this.#secret = secret === undefined ? randomBytes(32) : new TextEncoder().encode(secret);
    this.ttlMs = ttlMs;
    this.#clock = clock;
  }

  /** A token for `owner`, carrying `scope` when the caller's own credentials were scoped. */
  async issue(owner: string, now = this.#clock(), scope?: TokenScope): Promise<AccessToken> {
    // JWT times are whole seconds; rounding down never extends a token's life.
    const expiresAt = Math.floor((now + this.ttlMs) / 1000);
    const claims = scope === undefined ? {} : scopeClaims(scope);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(owner)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(expiresAt)
      .sign(this.#secret);
    return { token, owner, expiresAt: new Date(expiresAt * 1000) };
  }

  /** The caller a valid, unexpired token names; throws invalid_token for anything else. */
  async verify(token: string, now = this.#clock()): Promise<Caller> {
    if (token.length > MAX_TOKEN_LENGTH) throw refusal('malformed');
    try {
      const { payload } = await jwtVerify(token, this.#secret, {
        algorithms: ['HS256'],
        audience: ACCESS_TOKEN_AUDIENCE,
        issuer: ACCESS_TOKEN_ISSUER,
        currentDate: new Date(now),
        requiredClaims: ['sub', 'exp'],
      });
      return { owner: payload.sub, scope: scopeFromClaims(payload) };
    } catch (error) {
      throw fromJoseError(error);
    }
  }
}

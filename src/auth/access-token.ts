/**
 * Short-lived signed access tokens, for the two clients that cannot send an Authorization
 * header: the browser's EventSource (SSE) and WebSocket. A client exchanges its API key for a
 * token at POST /auth/token and passes it as `?access_token=` (or the cookie set there).
 *
 * Format: base64url(JSON { o: owner, e: expiry ms }) "." base64url(HMAC-SHA256(secret, payload)).
 * Stateless, so any gateway sharing --token-secret accepts it; it expires after --token-ttl,
 * which bounds what a token leaked from a URL (logs, history) can do. Expiry is read on the
 * deployment's clock (in Redis mode Redis's, so a gateway with a skewed clock neither issues
 * tokens that are already expired elsewhere nor accepts expired ones).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface AccessToken {
  token: string;
  owner: string;
  expiresAt: Date;
}

export class AccessTokens {
  readonly #secret: Buffer;
  readonly #clock: () => number;
  readonly ttlMs: number;

  /** Without a secret, a random one: tokens then work only on this process. */
  constructor(secret: string | undefined, ttlMs: number, clock: () => number = Date.now) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
    this.ttlMs = ttlMs;
    this.#clock = clock;
  }

  issue(owner: string, now = this.#clock()): AccessToken {
    const expiresAt = now + this.ttlMs;
    const payload = Buffer.from(JSON.stringify({ o: owner, e: expiresAt })).toString('base64url');
    return { token: `${payload}.${this.#sign(payload)}`, owner, expiresAt: new Date(expiresAt) };
  }

  /** The owner a valid, unexpired token names; undefined for anything else. */
  verify(token: string, now = this.#clock()): string | undefined {
    const dot = token.indexOf('.');
    if (dot < 1 || token.length > 2048) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#sign(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
      if (typeof claims !== 'object' || claims === null) return undefined;
      const { o, e } = claims as { o?: unknown; e?: unknown };
      if (typeof o !== 'string' || typeof e !== 'number' || e <= now) return undefined;
      return o;
    } catch {
      return undefined;
    }
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url');
  }
}

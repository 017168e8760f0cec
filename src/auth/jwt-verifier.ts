/**
 * Tokens from the team's identity provider: a JWT sent as `Authorization: Bearer <jwt>`,
 * verified with jose. Either a shared secret (`--jwt-secret`, HS256 only) or the provider's
 * public keys from its JWKS URL (`--jwks-url`; RS*, PS*, ES* and EdDSA): jose caches the key
 * set, fetches it again when a token names a key id it does not hold (rotation, at most once
 * per `--jwks-cooldown`), and gives up on a fetch after `--jwks-timeout`.
 *
 * The algorithms are pinned per kind of key, so neither `alg: none` nor a token HMAC-signed
 * with a public key ("algorithm confusion") is accepted. `--jwt-audience` is always checked,
 * `--jwt-issuer` when given; `--jwt-clock-tolerance` allows for skew between clocks.
 *
 * The caller's owner is `jwt:` + the `--jwt-owner-claim` (default `sub`): API key names cannot
 * contain a colon, so a user of the identity provider can never own an API key's jobs.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Caller } from './caller.js';
import { fromJoseError, refusal } from './jwt-errors.js';
import { scopeFromClaims } from './token-scope.js';

export const JWT_OWNER_PREFIX = 'jwt:';

/** What a shared secret may sign with. */
export const SECRET_ALGORITHMS = ['HS256'] as const;
/** What keys from a JWKS may sign with; jose matches each to its key type (RSA, EC, OKP). */
export const JWKS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const MAX_OWNER_LENGTH = 200;
/** A bearer value shaped like a compact JWS: three base64url parts, a JSON header first. */
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/;

export interface JwtOptions {
  /** HS256 shared secret; exclusive with `jwksUrl`. */
  secret?: string;
  jwksUrl?: string;
  audience: string;
  issuer?: string;
  ownerClaim: string;
  clockToleranceMs: number;
  jwksTimeoutMs: number;
  jwksCooldownMs: number;
  /** The deployment's clock (Redis's in Redis mode), so expiry agrees across gateways. */
  clock: () => number;
}

export function looksLikeJwt(value: string): boolean {
  return JWT_SHAPE.test(value);
}

export class JwtVerifier {
  readonly #options: JwtOptions;
  readonly #key: Uint8Array | JWTVerifyGetKey;
  readonly #algorithms: readonly string[];
  readonly #remote: boolean;

  constructor(options: JwtOptions) {
    this.#options = options;
    if (options.jwksUrl !== undefined) {
      this.#remote = true;
      this.#algorithms = JWKS_ALGORITHMS;
      this.#key = createRemoteJWKSet(new URL(options.jwksUrl), {
        timeoutDuration: options.jwksTimeoutMs,
        cooldownDuration: options.jwksCooldownMs,
      });
    } else {
      this.#remote = false;
      this.#algorithms = SECRET_ALGORITHMS;
      this.#key = new TextEncoder().encode(options.secret ?? '');
    }
  }

  /** The caller a valid token names; throws invalid_token or jwks_unavailable. */
  async verify(token: string): Promise<Caller> {
    const { audience, issuer, clockToleranceMs, clock, jwksCooldownMs } = this.#options;
    let payload: JWTPayload;
    try {
      const verifyOptions = {
        algorithms: [...this.#algorithms],
        audience,
        ...(issuer === undefined ? {} : { issuer }),
        clockTolerance: Math.floor(clockToleranceMs / 1000),
        currentDate: new Date(clock()),
        requiredClaims: ['exp'],
      };
      // Two calls because jose's overloads tell a key from a key-getting function.
      const result =
        typeof this.#key === 'function'
          ? await jwtVerify(token, this.#key, verifyOptions)
          : await jwtVerify(token, this.#key, verifyOptions);
      payload = result.payload;
    } catch (error) {
      throw fromJoseError(error, this.#remote ? jwksCooldownMs : undefined);
    }
    return { owner: this.#ownerOf(payload), scope: scopeFromClaims(payload) };
  }

  #ownerOf(payload: JWTPayload): string {
    const claim = this.#options.ownerClaim;
    const value = payload[claim];
    if (value === undefined) {
      throw refusal('missing_claim', `the token lacks the ${claim} claim that names its owner`);
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_OWNER_LENGTH) {
      throw refusal('malformed_claim', `the ${claim} claim must be a non-empty string`);
    }
    // eslint-disable-next-line no-control-regex -- control characters would garble logs
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw refusal('malformed_claim', `the ${claim} claim holds control characters`);
    }
    return `${JWT_OWNER_PREFIX}${value}`;
  }
}

/**
 * jose's errors as the refusals a client sees: `401 invalid_token` with a stable `reason` (and
 * the same reason in `WWW-Authenticate: Bearer error="invalid_token"`, RFC 6750), or `503
 * jwks_unavailable` when the key set could not be fetched — then the token was neither good
 * nor bad, and the client should retry rather than sign in again.
 */
import { errors } from 'jose';
import { AppError } from '../model/errors/app-error.js';

export type TokenRefusal =
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'missing_claim'
  | 'malformed_claim'
  | 'malformed';

const DESCRIPTIONS: Readonly<Record<TokenRefusal, string>> = {
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet',
  bad_signature: 'the token signature is not valid',
  algorithm_not_allowed: 'the token is signed with an algorithm this server does not accept',
  unknown_key: 'no key of the identity provider matches the token',
  wrong_audience: 'the token is for another audience',
  wrong_issuer: 'the token is from another issuer',
  missing_claim: 'the token lacks a required claim',
  malformed_claim: 'a claim of the token is malformed',
  malformed: 'the token is not a valid JWT',
};

/** A 401 invalid_token for `reason`; `detail` defaults to the reason's description. */
export function refusal(reason: TokenRefusal, detail = DESCRIPTIONS[reason]): AppError {
  return new AppError('invalid_token', detail, { reason });
}

/** How long a client should wait after jwks_unavailable: the key set's refetch cooldown. */
export function keysUnavailable(detail: string, retryAfterMs: number): AppError {
  return new AppError('jwks_unavailable', detail, { retryAfterMs });
}

/**
 * Any error from jose's jwtVerify as a refusal, or jwks_unavailable when a remote key set
 * (`retryAfterMs` given) was out of reach. Anything else is a fault of ours and is rethrown.
 */
export function fromJoseError(error: unknown, retryAfterMs?: number): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof errors.JWTExpired) return refusal('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat') return refusal('not_yet_valid');
    if (error.claim === 'aud') return refusal('wrong_audience');
    if (error.claim === 'iss') return refusal('wrong_issuer');
    if (error.reason === 'missing')
      return refusal('missing_claim', `the token lacks ${error.claim}`);
    return refusal('malformed_claim', `the token's ${error.claim} claim is not valid`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return refusal('bad_signature');
  if (error instanceof errors.JOSEAlgNotAllowed) return refusal('algorithm_not_allowed');
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return refusal('unknown_key');
  }
  if (error instanceof errors.JOSENotSupported) return refusal('algorithm_not_allowed');
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) {
    return refusal('malformed');
  }
  if (retryAfterMs === undefined) {
    // With a local key every jose error is about the token; anything else is a fault of ours.
    if (error instanceof errors.JOSEError) return refusal('malformed');
    throw error;
  }
  if (error instanceof errors.JWKSTimeout) {
    return keysUnavailable('the identity provider’s key set did not answer in time', retryAfterMs);
  }
  if (error instanceof errors.JWKSInvalid) {
    return keysUnavailable('the identity provider’s key set is not a valid JWKS', retryAfterMs);
  }
  if (error instanceof errors.JOSEError) {
    // jose's remote key set: a non-200 answer, or a key in it that cannot be imported.
    return keysUnavailable('the identity provider’s key set could not be used', retryAfterMs);
  }
  // fetch itself failed (connection refused, DNS): the key set is out of reach.
  return keysUnavailable('the identity provider’s key set could not be fetched', retryAfterMs);
}

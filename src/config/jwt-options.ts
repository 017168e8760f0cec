/**
 * The JWT verifier the server options ask for, or undefined when they name no key source
 * (`--jwt-secret`, `--jwks-url`); options.ts has already checked they make sense together.
 */
import type { ServerOptions } from './server-options.js';
import { JwtVerifier } from '../auth/jwt-verifier.js';

export function jwtVerifier(options: ServerOptions, clock: () => number): JwtVerifier | undefined {
  const { jwtSecret, jwksUrl, jwtAudience } = options;
  if ((jwtSecret === undefined && jwksUrl === undefined) || jwtAudience === undefined) {
    return undefined;
  }
  return new JwtVerifier({
    ...(jwtSecret === undefined ? {} : { secret: jwtSecret }),
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
    audience: jwtAudience,
    ...(options.jwtIssuer === undefined ? {} : { issuer: options.jwtIssuer }),
    ownerClaim: options.jwtOwnerClaim,
    clockToleranceMs: options.jwtClockTolerance,
    jwksTimeoutMs: options.jwksTimeout,
    jwksCooldownMs: options.jwksCooldown,
    clock,
  });
}

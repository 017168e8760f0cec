/**
 * JWTs signed with the identity provider's own keys, fetched from its JWKS — a real HTTP server
 * on 127.0.0.1:0, since the fetch is the subject: RS256, ES256 and EdDSA keys accepted, the key
 * set cached, a new key id picked up after rotation and a retired one refused, an HMAC token
 * (algorithm confusion) refused, and a key set that hangs answered within --jwks-timeout as
 * 503 jwks_unavailable, never a hung request. The requests themselves go through app.inject.
 */
import { describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  claimsFor,
  injector,
  signWithKey,
  signWithSecret,
  signingKey,
  startJwksServer,
} from './helpers/jwt.js';
import { startTestServer } from './helpers/test-server.js';

async function serverFor(jwksUrl: string, extra: Record<string, number> = {}) {
  const { server } = await startTestServer({ jwksUrl, jwtAudience: AUDIENCE, ...extra });
  return injector(server);
}

describe('JWTs from a JWKS URL', () => {
  it('accepts RS256, ES256 and EdDSA keys, fetching the key set once', async () => {
    const keys = [
      await signingKey('RS256', 'rsa-1'),
      await signingKey('ES256', 'ec-1'),
      await signingKey('EdDSA', 'ed-1'),
    ];
    const jwks = await startJwksServer(keys);
    const call = await serverFor(jwks.url);
    for (const key of keys) {
      const token = await signWithKey(key, claimsFor(`user-${key.kid}`));
      const answer = await call('POST', '/auth/token', token);
      expect(answer.status, key.alg).toBe(200);
      expect(answer.body.owner, key.alg).toBe(`jwt:user-${key.kid}`);
    }
    expect(jwks.fetches).toBe(1);
  });

  it('picks up a rotated key by its new kid and refuses the retired one', async () => {
    const old = await signingKey('ES256', '2026-11');
    const next = await signingKey('ES256', '2026-12');
    const jwks = await startJwksServer([old]);
    const call = await serverFor(jwks.url, { jwksCooldown: 0 });
    expect((await call('GET', '/jobs', await signWithKey(old, claimsFor('u')))).status).toBe(200);

    jwks.setKeys([next]);
    // The cached set lacks the new kid: one more fetch finds it.
    const rotated = await call('GET', '/jobs', await signWithKey(next, claimsFor('u')));
    expect(rotated.status).toBe(200);
    expect(jwks.fetches).toBe(2);
    const retired = await call('GET', '/jobs', await signWithKey(old, claimsFor('u')));
    expect(retired.status).toBe(401);
    expect(retired.body).toMatchObject({ code: 'invalid_token', reason: 'unknown_key' });
    expect(retired.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('refuses an HMAC-signed token: keys from a JWKS sign with public-key algorithms only', async () => {
    const key = await signingKey('RS256', 'rsa-1');
    const jwks = await startJwksServer([key]);
    const call = await serverFor(jwks.url);
    const confused = await signWithSecret(claimsFor('u'), JSON.stringify(key.publicJwk));
    const answer = await call('GET', '/jobs', confused);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ reason: 'algorithm_not_allowed' });
  });

  it('answers 503 jwks_unavailable within --jwks-timeout when the key set hangs', async () => {
    const key = await signingKey('RS256', 'rsa-1');
    const jwks = await startJwksServer([key]);
    jwks.hang();
    const call = await serverFor(jwks.url, { jwksTimeout: 300, jwksCooldown: 5000 });
    const token = await signWithKey(key, claimsFor('u'));
    const started = performance.now();
    const answer = await call('GET', '/jobs', token);
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'jwks_unavailable' });
    expect(answer.headers['retry-after']).toBe('5');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5000);
    // Once the provider answers again, the same token is accepted.
    jwks.setKeys([key]);
    jwks.resume();
    expect((await call('GET', '/jobs', token)).status).toBe(200);
  });
});

/**
 * JWTs from the team's identity provider with a shared secret (HS256), beside API keys: the
 * owner is `jwt:<sub>`, apart from every key's jobs; each kind of bad token is refused with 401,
 * a stable reason and an RFC 6750 challenge; scope claims limit a token to the jobs and topics
 * they list (403 insufficient_scope elsewhere), also once exchanged for an access token; clock
 * skew is tolerated as configured. Through app.inject: HTTP is the interface, not the network.
 */
import { describe, expect, it } from 'vitest';
import { JwtVerifier } from '../src/auth/jwt-verifier.js';
import { OptionsError, resolveOptions } from '../src/config/options.js';
import {
  AUDIENCE,
  ISSUER,
  SHARED_SECRET,
  claimsFor,
  injector,
  signWithKey,
  signWithSecret,
  signingKey,
  unsigned,
} from './helpers/jwt.js';
import { startTestServer } from './helpers/test-server.js';

const KEY = 'backend-secret-0123456789';
const JWT_OPTIONS = { jwtSecret: SHARED_SECRET, jwtAudience: AUDIENCE, jwtIssuer: ISSUER };

async function server() {
  const { server } = await startTestServer({ apiKeys: `user-1:${KEY}`, ...JWT_OPTIONS });
  return injector(server);
}

const TICKER = { type: 'demo', input: { stepMs: 60_000 } };

describe('JWTs with a shared secret', () => {
  it('authenticate beside API keys; the owner is jwt:<sub>, apart from any key’s jobs', async () => {
    const call = await server();
    const token = await signWithSecret(claimsFor('user-1'));
    const mine = await call('POST', '/jobs', token, TICKER);
    expect(mine.status).toBe(202);
    expect((await call('GET', `/jobs/${String(mine.body.id)}`, token)).status).toBe(200);
    // The API key named "user-1" is another owner: neither sees the other's job.
    const keys = await call('POST', '/jobs', KEY, TICKER);
    expect((await call('GET', `/jobs/${String(mine.body.id)}`, KEY)).status).toBe(404);
    expect((await call('GET', `/jobs/${String(keys.body.id)}`, token)).status).toBe(404);
    const listed = await call('GET', '/jobs', token);
    expect((listed.body.jobs as { id: string }[]).map((j) => j.id)).toEqual([mine.body.id]);
    // The owner, as the token exchange reports it (the API key's is plain "user-1").
    const exchanged = await call('POST', '/auth/token', token);
    expect(exchanged.status).toBe(200);
    expect(exchanged.body.owner).toBe('jwt:user-1');
    expect((await call('POST', '/auth/token', KEY)).body.owner).toBe('user-1');
  });

  it('refuses each kind of bad token with 401, its reason and an RFC 6750 challenge', async () => {
    const call = await server();
    const now = Date.now();
    const rsa = await signingKey('RS256', 'k1');
    const cases: [string, string][] = [
      ['expired', await signWithSecret(claimsFor('u', now - 7_200_000))],
      ['not_yet_valid', await signWithSecret(claimsFor('u', now, { nbf: now / 1000 + 600 }))],
      ['bad_signature', await signWithSecret(claimsFor('u'), 'another-secret-0123456789abcdef')],
      ['wrong_audience', await signWithSecret(claimsFor('u', now, { aud: 'someone-else' }))],
      ['wrong_issuer', await signWithSecret(claimsFor('u', now, { iss: 'https://evil/' }))],
      ['algorithm_not_allowed', unsigned(claimsFor('u'))],
      ['algorithm_not_allowed', await signWithKey(rsa, claimsFor('u'))],
      ['missing_claim', await signWithSecret(claimsFor('u', now, { sub: undefined }))],
      ['missing_claim', await signWithSecret(claimsFor('u', now, { exp: undefined }))],
      ['malformed_claim', await signWithSecret(claimsFor('u', now, { jobs: 'all' }))],
      ['malformed', 'eyJub3QganNvbg.e30.c2ln'],
    ];
    for (const [reason, token] of cases) {
      const answer = await call('GET', '/jobs', token);
      expect(answer.status, reason).toBe(401);
      expect(answer.body, reason).toMatchObject({ code: 'invalid_token', reason });
      expect(answer.headers['www-authenticate'], reason).toMatch(
        /^Bearer realm="backend-patterns", error="invalid_token", error_description="[^"]+"$/,
      );
    }
    // Not shaped like a JWT: an unknown API key, as before.
    const unknown = await call('GET', '/jobs', 'not-a-key-0123456789');
    expect(unknown.body).toMatchObject({ code: 'unauthorized' });
    expect(unknown.headers['www-authenticate']).toBe('Bearer realm="backend-patterns"');
  });

  it('limits a scoped token to its jobs and topics, with 403 insufficient_scope elsewhere', async () => {
    const call = await server();
    const owner = await signWithSecret(claimsFor('viewer'));
    const first = String((await call('POST', '/jobs', owner, TICKER)).body.id);
    const second = String((await call('POST', '/jobs', owner, TICKER)).body.id);
    const scoped = await signWithSecret(
      claimsFor('viewer', Date.now(), { jobs: [first], publish: ['chat:support-*'] }),
    );
    expect((await call('GET', `/jobs/${first}`, scoped)).status).toBe(200);
    expect((await call('GET', `/check-status?jobId=${first}`, scoped)).status).toBe(200);
    const refusals = [
      await call('GET', `/jobs/${second}`, scoped),
      await call('GET', `/check-status?jobId=${second}`, scoped),
      await call('POST', '/jobs', scoped, TICKER),
      await call('GET', '/jobs', scoped),
      await call('DELETE', `/jobs/${first}`, scoped),
      await call('GET', '/stats', scoped),
      await call('POST', '/topics/chat:lobby/messages', scoped, { data: 'hi' }),
    ];
    for (const answer of refusals) {
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ code: 'insufficient_scope' });
      expect(answer.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    }
    // A job that does not exist is refused the same way: the scope alone decides.
    const missing = await call('GET', `/jobs/${second.replace(/^./, '0')}`, scoped);
    expect(missing.status).toBe(403);
    const published = await call('POST', '/topics/chat:support-42/messages', scoped, { data: 1 });
    expect(published.status).toBe(202);
    // An access token exchanged for a scoped JWT keeps the scope (it cannot widen it).
    const exchanged = await call('POST', '/auth/token', scoped);
    const stream = String(exchanged.body.token);
    const [, claims = ''] = stream.split('.');
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toMatchObject({
      sub: 'jwt:viewer',
      aud: 'backend-patterns:stream',
      jobs: [first],
      publish: ['chat:support-*'],
    });
  });

  it('allows the configured clock skew, on an injected clock', async () => {
    let now = 1_800_000_000_000;
    const verifier = (clockToleranceMs: number) =>
      new JwtVerifier({
        secret: SHARED_SECRET,
        audience: AUDIENCE,
        ownerClaim: 'sub',
        clockToleranceMs,
        jwksTimeoutMs: 1000,
        jwksCooldownMs: 1000,
        clock: () => now,
      });
    const token = await signWithSecret(claimsFor('u', now, { exp: now / 1000 + 60 }));
    now += 80_000; // 20 s past exp
    expect((await verifier(30_000).verify(token)).owner).toBe('jwt:u');
    await expect(verifier(10_000).verify(token)).rejects.toMatchObject({
      extensions: { reason: 'expired' },
    });
    // And a token from a provider whose clock runs ahead (iat, nbf in our future).
    const ahead = await signWithSecret(
      claimsFor('u', now + 20_000, { nbf: (now + 20_000) / 1000 }),
    );
    expect((await verifier(30_000).verify(ahead)).owner).toBe('jwt:u');
    await expect(verifier(0).verify(ahead)).rejects.toMatchObject({
      extensions: { reason: 'not_yet_valid' },
    });
  });

  it('names the option at fault at start-up', () => {
    const refusal = (given: Parameters<typeof resolveOptions>[0]) => {
      try {
        resolveOptions(given);
      } catch (error) {
        expect(error).toBeInstanceOf(OptionsError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ jwtSecret: SHARED_SECRET })).toMatch(
      /^--jwt-audience \(JWT_AUDIENCE\) is required/,
    );
    expect(refusal({ jwtSecret: 'short', jwtAudience: AUDIENCE })).toMatch(
      /^--jwt-secret \(JWT_SECRET\) must be at least 32 characters/,
    );
    expect(refusal({ jwksUrl: 'ftp://idp/keys', jwtAudience: AUDIENCE })).toMatch(
      /^--jwks-url \(JWKS_URL\) must be an https:\/\//,
    );
    expect(
      refusal({ jwtSecret: SHARED_SECRET, jwksUrl: 'https://idp/keys', jwtAudience: AUDIENCE }),
    ).toMatch(/exclude each other/);
    expect(refusal({ jwtClockTolerance: 600_000 })).toMatch(/^--jwt-clock-tolerance/);
    expect(refusal(JWT_OPTIONS)).toBe('accepted');
  });
});

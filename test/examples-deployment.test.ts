/**
 * examples/deployment/, quoted in docs/security.md: a gateway configured by gateway.env as
 * written (the key files are the examples beside it; only the JWKS URL points at a local
 * identity provider instead of idp.example.com) takes API keys from backends, worker keys only
 * on the worker protocol, and the provider's JWTs from users; a token with the claims of
 * scoped-claims.json reads only its job; stream-token.sh exchanges it for an access token that
 * opens the job's event stream.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OPTION_SPECS, optionsFromText } from '../src/config/options.js';
import { json } from './helpers/http.js';
import { claimsFor, signWithKey, signingKey, startJwksServer } from './helpers/jwt.js';
import { readEventStream } from './helpers/sse.js';
import { startTestServer } from './helpers/test-server.js';

const example = (file: string) =>
  new URL(`../examples/deployment/${file}`, import.meta.url).pathname;

/** KEY=value lines; `#` comments and blank lines skipped. */
function readEnv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    env[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return env;
}

const secretOf = (file: string, name: string) =>
  readFileSync(example(file), 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`${name}:`))
    ?.slice(name.length + 1) ?? '';

describe('examples/deployment', () => {
  it('a gateway set up by gateway.env takes keys, worker keys and scoped JWTs', async () => {
    const idpKey = await signingKey('RS256', 'idp-2026');
    const jwks = await startJwksServer([idpKey]);
    const env = {
      ...readEnv(example('gateway.env')),
      API_KEYS_FILE: example('api-keys'),
      WORKER_KEYS_FILE: example('worker-keys'),
      JWKS_URL: jwks.url,
    };
    const options = optionsFromText({}, env);
    expect(options.jwtAudience).toBe('https://jobs.example.com');
    // The options the file sets, on a test server (port 0, a temporary data directory).
    const fromFile = Object.fromEntries(
      Object.entries(OPTION_SPECS)
        .filter(([, spec]) => spec.env in env)
        .map(([key]) => [key, options[key as keyof typeof options]]),
    );
    expect(Object.keys(fromFile)).toHaveLength(Object.keys(env).length);
    const { url } = await startTestServer(fromFile);
    const claims = JSON.parse(readFileSync(example('scoped-claims.json'), 'utf8')) as {
      sub: string;
      aud: string;
      iss: string;
    };
    const submit = (credential: string) =>
      fetch(`${url}/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'demo', input: { stepMs: 60_000 } }),
      });

    // A backend with its API key; a worker key is no user's.
    expect((await submit(secretOf('api-keys', 'billing-backend'))).status).toBe(202);
    expect((await submit(secretOf('worker-keys', 'transcoders'))).status).toBe(401);

    // A user signed in by the identity provider submits with an unscoped JWT…
    const { sub, aud, iss } = claims;
    const user = await signWithKey(idpKey, claimsFor(sub, Date.now(), { aud, iss }));
    const job = await json<{ id: string }>(await submit(user));
    const other = await json<{ id: string }>(await submit(user));
    // …and the page gets a token with the example's claims, for this job only.
    const scoped = await signWithKey(
      idpKey,
      claimsFor(claims.sub, Date.now(), { ...claims, jobs: [job.id] }),
    );
    const read = (id: string) =>
      fetch(`${url}/jobs/${id}`, { headers: { authorization: `Bearer ${scoped}` } });
    expect((await read(job.id)).status).toBe(200);
    expect(await json(await read(other.id))).toMatchObject({ code: 'insufficient_scope' });

    const { stdout } = await promisify(execFile)('sh', [example('stream-token.sh')], {
      env: { ...process.env, BASE_URL: url, USER_JWT: scoped },
    });
    const issued = JSON.parse(stdout) as { token: string; owner: string };
    expect(issued.owner).toBe(`jwt:${claims.sub}`);
    const stream = await readEventStream(
      `${url}/jobs/${job.id}/events?access_token=${issued.token}`,
    );
    expect(stream.status).toBe(200);
    stream.close();
  });
});

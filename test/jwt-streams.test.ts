/**
 * JWTs and their scope on the streaming transports, over real sockets: an event stream opened
 * with an access token exchanged for a scoped JWT follows only the token's jobs (and `jobs` only
 * when it may subscribe to it); a WebSocket opened with a JWT (header or exchanged token) may
 * subscribe and publish only where the claims allow, each refusal an `error` message with the
 * stable code; a bad JWT is refused at the upgrade with 401 and its challenge.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { json } from './helpers/http.js';
import { AUDIENCE, ISSUER, SHARED_SECRET, claimsFor, signWithSecret } from './helpers/jwt.js';
import { readEventStream } from './helpers/sse.js';
import { startTestServer } from './helpers/test-server.js';
import { connect, wsUrl } from './helpers/ws-client.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function scene() {
  const { url } = await startTestServer({
    jwtSecret: SHARED_SECRET,
    jwtAudience: AUDIENCE,
    jwtIssuer: ISSUER,
  });
  const owner = await signWithSecret(claimsFor('viewer'));
  const submit = async () => {
    const response = await fetch(`${url}/jobs`, {
      method: 'POST',
      headers: { ...bearer(owner), 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'demo', input: { stepMs: 60_000 } }),
    });
    return (await json<{ id: string }>(response)).id;
  };
  const exchange = async (jwt: string) =>
    (
      await json<{ token: string }>(
        await fetch(`${url}/auth/token`, { method: 'POST', headers: bearer(jwt) }),
      )
    ).token;
  return { url, submit, exchange };
}

describe('JWT scope on event streams and WebSockets', () => {
  it('an event stream follows only the jobs and topics the token allows', async () => {
    const { url, submit, exchange } = await scene();
    const [allowed, other] = [await submit(), await submit()];
    const scoped = await exchange(
      await signWithSecret(claimsFor('viewer', Date.now(), { jobs: [allowed] })),
    );
    const stream = await readEventStream(`${url}/jobs/${allowed}/events?access_token=${scoped}`);
    expect(stream.status).toBe(200);
    stream.close();
    for (const path of [
      `/jobs/${other}/events`,
      `/events?jobs=${allowed},${other}`,
      `/events?topics=jobs`,
    ]) {
      const refused = await fetch(
        `${url}${path}${path.includes('?') ? '&' : '?'}access_token=${scoped}`,
      );
      expect(refused.status, path).toBe(403);
      expect(await json(refused), path).toMatchObject({ code: 'insufficient_scope' });
    }
    const both = await readEventStream(`${url}/events?jobs=${allowed}&access_token=${scoped}`);
    expect(both.status).toBe(200);
    both.close();
    const watcher = await exchange(
      await signWithSecret(claimsFor('viewer', Date.now(), { subscribe: ['jobs'] })),
    );
    const all = await readEventStream(`${url}/events?topics=jobs&access_token=${watcher}`);
    expect(all.status).toBe(200);
    all.close();
  });

  it('a WebSocket subscribes and publishes only where the claims allow', async () => {
    const { url, submit, exchange } = await scene();
    const [allowed, other] = [await submit(), await submit()];
    const jwt = await signWithSecret(
      claimsFor('viewer', Date.now(), {
        jobs: [allowed],
        subscribe: ['chat:*'],
        publish: ['chat:support'],
      }),
    );
    // By header (a server-side client) and by exchanged token (a browser): the same scope.
    for (const client of [
      await connect(url, { headers: bearer(jwt) }),
      await connect(url, {}, `?access_token=${await exchange(jwt)}`),
    ]) {
      const refusedWith = async (id: string) =>
        (await client.waitFor((m) => m.type === 'error' && m.id === id)).code;
      client.send({ type: 'subscribe', topic: `job:${allowed}`, id: 'a' });
      await client.waitFor((m) => m.type === 'subscribed' && m.id === 'a');
      client.send({ type: 'subscribe', topic: `job:${other}`, id: 'b' });
      expect(await refusedWith('b')).toBe('insufficient_scope');
      client.send({ type: 'subscribe', topic: 'jobs', id: 'c' });
      expect(await refusedWith('c')).toBe('insufficient_scope');
      client.send({ type: 'subscribe', topic: 'chat:lobby', id: 'd' });
      await client.waitFor((m) => m.type === 'subscribed' && m.id === 'd');
      client.send({ type: 'publish', topic: 'chat:lobby', data: 'hi', id: 'e' });
      expect(await refusedWith('e')).toBe('insufficient_scope');
      client.send({ type: 'publish', topic: 'chat:support', data: 'hi', id: 'f' });
      await client.waitFor((m) => m.type === 'published' && m.id === 'f');
      client.ws.close();
    }
  });

  it('refuses the upgrade for a bad JWT with 401 and its challenge', async () => {
    const { url } = await scene();
    const expired = await signWithSecret(claimsFor('viewer', Date.now() - 7_200_000));
    const ws = new WebSocket(wsUrl(url), { headers: bearer(expired) });
    // Terminating a refused handshake emits an error the test expects.
    ws.on('error', () => undefined);
    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    let body = '';
    for await (const chunk of response) body += String(chunk);
    ws.terminate();
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer realm="backend-patterns", error="invalid_token", error_description="the token has expired"$/,
    );
    expect(JSON.parse(body)).toMatchObject({ code: 'invalid_token', reason: 'expired' });
  });
});

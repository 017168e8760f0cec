/**
 * Authentication, when API keys (--api-keys, --api-keys-file) or the identity provider's JWTs
 * (--jwt-secret, --jwks-url) are configured.
 *
 * Every route needs `Authorization: Bearer <key or JWT>` unless it is marked `access: 'public'`
 * (health, metrics, documents, static pages). Routes marked `access: 'stream'` (event streams)
 * and the WebSocket upgrade also take a short-lived access token, because browsers cannot set
 * headers there: `?access_token=<token>`, or the `bp_token` cookie that POST /auth/token sets.
 * The cookie is HttpOnly and SameSite=Strict, and is honoured only on those read-only stream
 * endpoints, so a cross-site page can neither read it nor use it to change anything; the
 * WebSocket upgrade additionally checks the Origin.
 *
 * Routes marked `access: 'worker'` (the worker protocol, routes/workers.ts) take only a worker
 * key (--worker-keys): a user's API key does not work there, nor a worker key anywhere else.
 *
 * The caller found here is `request.caller`; what a caller may see is decided in one place,
 * auth/caller.ts.
 */
import { TOKEN_COOKIE, type Authenticator } from '../auth/authenticator.js';
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import { AppError } from '../model/errors/app-error.js';
import Type from 'typebox';
import type { App } from '../edge/app-type.js';
import { guardedProblems, jsonBody } from '../edge/responses.js';

export function registerAuth(app: App, auth: Authenticator): void {
  // A reference type cannot be a decorator's default: every request gets its own below.
  app.decorateRequest('caller', null as unknown as Caller);
  app.decorateRequest('worker', '');
  app.addHook('onRequest', (request, reply, done) => {
    request.caller = ANONYMOUS;
    const access = request.routeOptions.config.access;
    if (access === 'worker') {
      try {
        request.worker = auth.authenticateWorker(request.headers);
        done();
      } catch (error) {
        done(error as AppError);
      }
      return;
    }
    if (!auth.enabled || access === 'public') {
      done();
      return;
    }
    // Refusals are answered as problem documents with their WWW-Authenticate challenge
    // (problem.ts). An API key is known at once; only a token's signature check is awaited.
    let found: Caller | Promise<Caller>;
    try {
      found = auth.authenticate(request.headers, request.url, access === 'stream');
    } catch (error) {
      done(error as AppError);
      return;
    }
    if (!(found instanceof Promise)) {
      request.caller = found;
      done();
      return;
    }
    found.then(
      (caller) => {
        request.caller = caller;
        done();
      },
      (error: unknown) => {
        done(error as AppError);
      },
    );
  });

  app.post(
    '/auth/token',
    {
      schema: {
        operationId: 'issueAccessToken',
        summary: 'Exchange an API key or JWT for a short-lived access token',
        description:
          'For event streams and WebSockets in browsers, which cannot send an Authorization header: pass the token (a JWT signed by this server, carrying the caller’s scope claims) as `?access_token=`, or rely on the HttpOnly, SameSite=Strict cookie this sets. 404 (not_found) when authentication is off: no token is needed then.',
        tags: ['auth'],
        response: {
          200: jsonBody(
            Type.Object({
              token: Type.String(),
              owner: Type.String(),
              expiresAt: Type.String({ format: 'date-time' }),
            }),
            'The token; also set as the bp_token cookie.',
            {
              'set-cookie': {
                type: 'string',
                description: 'bp_token=<token>; HttpOnly; SameSite=Strict; Path=/',
              },
            },
          ),
          ...guardedProblems(404),
        },
      },
    },
    async (request, reply) => {
      const owner = request.caller.owner;
      if (!auth.enabled || owner === undefined) {
        throw new AppError('not_found', 'authentication is off: no token is needed');
      }
      const issued = await auth.tokens.issue(owner, undefined, request.caller.scope);
      const maxAge = Math.floor(auth.tokens.ttlMs / 1000);
      const secure = request.protocol === 'https' ? '; Secure' : '';
      void reply.header(
        'set-cookie',
        `${TOKEN_COOKIE}=${issued.token}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`,
      );
      return { token: issued.token, owner, expiresAt: issued.expiresAt.toISOString() };
    },
  );
}

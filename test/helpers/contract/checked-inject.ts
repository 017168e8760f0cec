/**
 * `app.inject()` with its answers checked against the app's OpenAPI document, for tests that
 * speak to the app object itself rather than to a URL (those use startInjectedServer and
 * fetch). Same call, same reply: only the check is added.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { App } from '../../../src/edge/app-type.js';
import { headersOf } from '../in-process-fetch.js';
import { OpenApiContract, type OpenApiDocument } from './openapi-contract.js';
import { recordResponse } from './recorder.js';

export type Inject = (options: InjectOptions | string) => Promise<LightMyRequestResponse>;

export function checkedInject(app: App): Inject {
  const contract = app
    .inject({ method: 'GET', url: '/openapi.json' })
    .then((reply) => new OpenApiContract(reply.json<OpenApiDocument>()));
  return async (options) => {
    const request = typeof options === 'string' ? { url: options } : options;
    const reply = await app.inject(request);
    // This project's tests give the URL as a string (light-my-request also takes URL parts).
    const url = typeof request.url === 'string' ? request.url : '/';
    recordResponse(
      contract,
      Promise.resolve({
        method: (request.method ?? 'GET').toUpperCase(),
        path: url.split('?')[0] ?? url,
        status: reply.statusCode,
        headers: headersOf(reply.headers),
        body: reply.body,
      }),
    );
    return reply;
  };
}

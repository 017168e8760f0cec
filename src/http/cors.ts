/**
 * CORS for the origins in --origins (the same list the WebSocket upgrade checks). With the
 * default `same-host` nothing is registered: a page served by this server makes same-origin
 * requests, which need no CORS, and every other page gets no CORS headers, so its scripts
 * cannot read the answers.
 */
import cors from '@fastify/cors';
import { isOriginAllowed, type OriginPolicy } from '../auth/origin-policy.js';
import type { App } from '../edge/app-type.js';

export async function registerCors(app: App, policy: OriginPolicy): Promise<void> {
  if (!policy.any && policy.origins.size === 0 && !policy.allowNull) return;
  await app.register(cors, {
    delegator: (request, callback) => {
      const { origin, host } = request.headers;
      callback(null, {
        origin: origin !== undefined && isOriginAllowed(policy, origin, host),
        methods: ['GET', 'HEAD', 'POST', 'DELETE'],
        allowedHeaders: [
          'authorization',
          'content-type',
          'idempotency-key',
          'if-none-match',
          'last-event-id',
          'x-request-id',
        ],
        exposedHeaders: [
          'etag',
          'location',
          'retry-after',
          'long-poll-outcome',
          'idempotent-replayed',
          'x-request-id',
        ],
        maxAge: 600,
      });
    },
  });
}

/**
 * A job's webhook deliveries: every delivery with its attempts, and sending a dead one again.
 * The delivery itself is the webhooks transport (src/transports/webhooks.ts).
 */
import Type from 'typebox';
import type { JobEngine } from '../../jobs/engine.js';
import { Delivery, JobId } from '../../edge/schemas.js';
import { guardedProblems, jsonBody } from '../../edge/responses.js';
import type { App } from '../../edge/app-type.js';

export function deliveryRoutes(app: App, engine: JobEngine): void {
  app.get(
    '/jobs/:id/deliveries',
    {
      schema: {
        operationId: 'listJobDeliveries',
        summary: "A job's webhook deliveries and their attempts",
        description:
          'One delivery per event the webhook asked for, oldest first; each attempt with its status code, latency and error. ' +
          'To follow them as they happen, subscribe to `deliveries:<id>` on the WebSocket (/ws, docs/protocol.md).',
        tags: ['webhooks'],
        params: Type.Object({ id: JobId }),
        response: {
          200: jsonBody(Type.Object({ deliveries: Type.Array(Delivery) }), 'The deliveries.'),
          ...guardedProblems(404),
        },
      },
    },
    async (request) => ({
      deliveries: await engine.deliveries(request.params.id, request.caller),
    }),
  );

  app.post(
    '/jobs/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        operationId: 'redeliverJobDelivery',
        summary: 'Send a dead delivery again',
        description:
          'A delivery whose retry window closed is attempted again at once, with a fresh window and the same webhook-id; any other is 409 delivery_not_dead.',
        tags: ['webhooks'],
        params: Type.Object({
          id: JobId,
          deliveryId: Type.String({ minLength: 1, maxLength: 64 }),
        }),
        response: {
          202: jsonBody(Type.Object({ redelivered: Type.Literal(true) }), 'Attempted again.'),
          ...guardedProblems(404, 409),
        },
      },
    },
    async (request, reply) => {
      await engine.redeliver(request.params.id, request.params.deliveryId, request.caller);
      return reply.code(202).send({ redelivered: true as const });
    },
  );
}

/**
 * A job's webhook deliveries: every delivery with its attempts, and sending a dead one again.
 * The delivery itself is the webhooks transport (src/transports/webhooks.ts).
 */
import Type from 'typebox';
import type { JobEngine } from '../../jobs/engine.js';
import { Delivery, JobId, ProblemRef } from '../../edge/schemas.js';
import type { App } from '../../edge/app-type.js';

export function deliveryRoutes(app: App, engine: JobEngine): void {
  app.get(
    '/jobs/:id/deliveries',
    {
      schema: {
        summary: "A job's webhook deliveries and their attempts",
        description:
          'One delivery per event the webhook asked for, oldest first; each attempt with its status code, latency and error.',
        tags: ['webhooks'],
        params: Type.Object({ id: JobId }),
        response: {
          200: Type.Object({ deliveries: Type.Array(Delivery) }),
          400: ProblemRef,
          404: ProblemRef,
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
        summary: 'Send a dead delivery again',
        description:
          'A delivery whose retry window closed is attempted again at once, with a fresh window and the same webhook-id; any other is 409 delivery_not_dead.',
        tags: ['webhooks'],
        params: Type.Object({
          id: JobId,
          deliveryId: Type.String({ minLength: 1, maxLength: 64 }),
        }),
        response: {
          202: Type.Object({ redelivered: Type.Literal(true) }),
          400: ProblemRef,
          404: ProblemRef,
          409: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      await engine.redeliver(request.params.id, request.params.deliveryId, request.caller);
      return reply.code(202).send({ redelivered: true as const });
    },
  );
}

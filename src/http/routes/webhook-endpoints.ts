/**
 * The REST surface of registered webhook endpoints (docs/webhooks.md, "Registered endpoints"):
 * create, list, read, update, delete and rotate the secret — each on behalf of the caller,
 * through `engine.webhookEndpoints`. A URL is checked against the SSRF policy when it is
 * registered or changed (400 webhook_url_refused), as a submit's webhook is.
 */
import Type from 'typebox';
import type { JobEngine } from '../../jobs/engine.js';
import type { WebhookEndpoints } from '../../jobs/webhook-endpoints.js';
import { AppError } from '../../model/errors/app-error.js';
import type { WebhookDelivery } from '../../transports/webhooks.js';
import { empty, guardedProblems, jsonBody } from '../../edge/responses.js';
import {
  NewWebhookEndpoint,
  RotateSecretBody,
  WebhookEndpointIdParams,
  WebhookEndpointListQuery,
  WebhookEndpointPage,
  WebhookEndpointPatch,
} from '../../edge/webhook-endpoint-schemas.js';
import type { App } from '../../edge/app-type.js';

const TAGS = ['webhooks'];
const ENDPOINT = Type.Ref('WebhookEndpoint');
const WITH_SECRET = Type.Ref('WebhookEndpointWithSecret');

export function webhookEndpointRoutes(
  app: App,
  engine: JobEngine,
  delivery: WebhookDelivery | undefined,
): void {
  /** The endpoints and the URL check, or 400 webhooks_unsupported on a store without. */
  function surface(): { endpoints: WebhookEndpoints; delivery: WebhookDelivery } {
    if (!engine.webhookEndpoints || !delivery) {
      throw new AppError('webhooks_unsupported', 'this server delivers no webhooks');
    }
    return { endpoints: engine.webhookEndpoints, delivery };
  }

  app.post(
    '/webhooks',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        summary: 'Register a webhook endpoint',
        description:
          'Every job the caller submits from now on is reported to `url` (its terminal event, or every event with `events: "all"`), signed with the endpoint\'s own secret — returned here once. ' +
          'A URL that may not be called is 400 webhook_url_refused; more than 20 endpoints per API key is 409 too_many_webhook_endpoints.',
        tags: TAGS,
        body: NewWebhookEndpoint,
        response: {
          201: jsonBody(WITH_SECRET, 'Registered; `secret` is not shown again.', {
            location: { type: 'string', description: 'The URL of the endpoint.' },
          }),
          ...guardedProblems(409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { endpoints, delivery: check } = surface();
      await check.checkUrl(request.body.url);
      const created = await endpoints.create(request.body, request.caller);
      return reply.code(201).header('location', `/webhooks/${created.id}`).send(created);
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        summary: 'List webhook endpoints, newest first',
        tags: TAGS,
        querystring: WebhookEndpointListQuery,
        response: {
          200: jsonBody(WebhookEndpointPage, 'A page of endpoints (without secrets).'),
          ...guardedProblems(),
        },
      },
    },
    async (request) =>
      surface().endpoints.list(
        { limit: request.query.limit ?? 20, cursor: request.query.cursor },
        request.caller,
      ),
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        operationId: 'getWebhookEndpoint',
        summary: 'Read a webhook endpoint',
        tags: TAGS,
        params: WebhookEndpointIdParams,
        response: {
          200: jsonBody(ENDPOINT, 'The endpoint (without its secret).'),
          ...guardedProblems(404),
        },
      },
    },
    async (request) => surface().endpoints.get(request.params.id, request.caller),
  );

  app.patch(
    '/webhooks/:id',
    {
      schema: {
        operationId: 'updateWebhookEndpoint',
        summary: 'Change a webhook endpoint',
        description:
          'Changes `url`, `events` or `description` (null removes it) for events from now on; deliveries already recorded keep their URL. A new URL is checked like on create.',
        tags: TAGS,
        params: WebhookEndpointIdParams,
        body: WebhookEndpointPatch,
        response: {
          200: jsonBody(ENDPOINT, 'The endpoint as changed.'),
          ...guardedProblems(404, 413, 415),
        },
      },
    },
    async (request) => {
      const { endpoints, delivery: check } = surface();
      // Ownership first: another owner's endpoint is 404 whatever URL the patch names.
      await endpoints.get(request.params.id, request.caller);
      if (request.body.url !== undefined) await check.checkUrl(request.body.url);
      return endpoints.update(request.params.id, request.body, request.caller);
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        summary: 'Delete a webhook endpoint',
        description:
          'No event is recorded for it from now on; its pending deliveries end dead without a call. Past deliveries stay listed on their jobs.',
        tags: TAGS,
        params: WebhookEndpointIdParams,
        response: { 204: empty('Deleted.'), ...guardedProblems(404) },
      },
    },
    async (request, reply) => {
      await surface().endpoints.delete(request.params.id, request.caller);
      return reply.code(204).send();
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        operationId: 'rotateWebhookEndpointSecret',
        summary: "Rotate a webhook endpoint's secret",
        description:
          'A new secret signs from now on and is returned once; the replaced one keeps signing for `overlapSeconds` (default 24 h), every delivery meanwhile carrying both signatures (Standard Webhooks allows several), so receivers switch without rejecting any. Retries of earlier deliveries are signed the new way too.',
        tags: TAGS,
        params: WebhookEndpointIdParams,
        body: RotateSecretBody,
        response: {
          200: jsonBody(WITH_SECRET, 'The endpoint with its new secret (not shown again).'),
          ...guardedProblems(404, 413, 415),
        },
      },
      // The body is optional: a bare POST rotates with the default overlap.
      preValidation: async (request) => {
        if ((request.body as unknown) === undefined) request.body = {};
      },
    },
    async (request) =>
      surface().endpoints.rotateSecret(
        request.params.id,
        request.body.overlapSeconds,
        request.caller,
      ),
  );
}

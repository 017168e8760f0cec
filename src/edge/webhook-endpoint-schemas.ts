/** TypeBox schemas of the /webhooks routes (and so of their part of the OpenAPI document). */
import Type from 'typebox';
import { DEFAULT_ROTATION_OVERLAP_S } from '../jobs/webhook-endpoints.js';
import { JOB_ID_SCHEMA_PATTERN } from '../model/job.js';
import { WebhookRequest } from './schemas.js';

const EndpointId = Type.String({
  pattern: JOB_ID_SCHEMA_PATTERN,
  description: 'Webhook endpoint id: a UUID v4.',
});
const Url = WebhookRequest.properties.url;
const Events = WebhookRequest.properties.events;
const Description = Type.String({
  maxLength: 500,
  description: 'What the endpoint is for, in your words.',
});

const endpointFields = {
  id: EndpointId,
  url: Type.String(),
  events: Type.Union([Type.Literal('terminal'), Type.Literal('all')]),
  description: Type.Optional(Type.String()),
  owner: Type.Optional(Type.String({ description: 'The API key that registered it.' })),
  previousSecretExpiresAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'After a rotation: until when the replaced secret also signs (each delivery carries both signatures).',
    }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

export const WebhookEndpoint = Type.Object(endpointFields, {
  $id: 'WebhookEndpoint',
  title: 'Registered webhook endpoint',
});

export const WebhookEndpointWithSecret = Type.Object(
  {
    ...endpointFields,
    secret: Type.String({
      pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
      description:
        "The endpoint's signing secret (Standard Webhooks `whsec_…`): shown here only, keep it.",
    }),
  },
  { $id: 'WebhookEndpointWithSecret', title: 'Webhook endpoint with its secret' },
);

export const WebhookEndpointPage = Type.Object({
  webhooks: Type.Array(Type.Ref('WebhookEndpoint')),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  }),
});

export const NewWebhookEndpoint = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description) },
  { additionalProperties: false },
);

export const WebhookEndpointPatch = Type.Object(
  {
    url: Type.Optional(Url),
    events: Events,
    description: Type.Optional(
      // Null first: coercion would turn null into '' for a string tried before it.
      Type.Union([Type.Null(), Description], { description: 'null removes the description.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateSecretBody = Type.Object(
  {
    overlapSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 7 * 24 * 60 * 60,
        default: DEFAULT_ROTATION_OVERLAP_S,
        description:
          'How long the replaced secret keeps signing beside the new one (default 24 h; 0: stops now).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const WebhookEndpointIdParams = Type.Object({ id: EndpointId });

export const WebhookEndpointListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

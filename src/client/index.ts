/**
 * The client SDK (`backend-patterns/client`): talk to a backend-patterns server from a browser
 * or Node 20. Guide and examples: docs/client.md.
 */
export { createClient, type Client, type ClientOptions, type SubmitOptions } from './client.js';
export { ClientError, isClientError, type ClientErrorCode } from './client-error.js';
export type { JobWatch, WatchOptions } from './watch.js';
export type { JobEventsOptions } from './jobs-feed.js';
export type { ChatEntry, ChatOptions, ChatRoom } from './chat.js';
export type { BackoffOptions } from './backoff.js';
export type { WebhooksApi } from './webhooks.js';
export type { SchedulesApi } from './schedules.js';
export type { Schedule, ScheduleDefinition, SchedulePage } from '../model/schedule.js';
export type { DeliveriesApi, DeliveryFeedState, DeliveryWatchOptions } from './deliveries.js';
export type {
  Delivery,
  DeliveryAttempt,
  WebhookEventMode,
  WebhookRequest,
} from '../model/webhook.js';
export type {
  WebhookEndpoint,
  WebhookEndpointPage,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
} from '../model/webhook-endpoint.js';
export type { SocketLike, WebSocketConstructor } from './runtime.js';
export { TRANSPORTS, PRIORITY_MIN, PRIORITY_MAX, MAX_ATTEMPTS } from './types.js';
export type * from './types.js';
export { isTerminal } from '../model/job.js';

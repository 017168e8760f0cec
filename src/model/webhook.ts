/**
 * The webhook vocabulary shared by the server, the SDK and the dashboard: what a submit asks to
 * be called back about, and how a delivery and its attempts look on GET /jobs/:id/deliveries.
 * Types only (the browser bundle imports this).
 */
import type { JobEvent } from './job.js';

/** `terminal`: only succeeded, failed, canceled (the default); `all`: every event of the job. */
export const WEBHOOK_EVENT_MODES = ['terminal', 'all'] as const;
export type WebhookEventMode = (typeof WEBHOOK_EVENT_MODES)[number];

export interface WebhookRequest {
  url: string;
  events?: WebhookEventMode;
}

/** pending: waiting for its next attempt; delivered: a 2xx came back; dead: the window closed. */
export const DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface DeliveryAttempt {
  /** 1, 2, 3, … */
  attempt: number;
  at: string;
  /** The receiver's HTTP status; absent when no response came (timeout, refused, reset). */
  statusCode?: number;
  latencyMs: number;
  /** Why it failed, in words; absent on success. */
  error?: string;
}

export interface Delivery {
  /** The `webhook-id` header: the same on every attempt, so receivers dedupe by it. */
  id: string;
  jobId: string;
  url: string;
  /** The job event it reports. */
  seq: number;
  kind: JobEvent['kind'];
  /** The registered endpoint (`/webhooks/:id`) it goes to; absent for a submit's own webhook. */
  endpointId?: string;
  state: DeliveryState;
  createdAt: string;
  /** When the next attempt is due (pending only). */
  nextAttemptAt?: string;
  attempts: DeliveryAttempt[];
}

/** The JSON body POSTed to the receiver (the Standard Webhooks `{ type, timestamp, data }`). */
export interface WebhookPayload {
  /** `job.<kind>`: job.succeeded, job.failed, job.progress, … */
  type: string;
  timestamp: string;
  data: JobEvent;
}

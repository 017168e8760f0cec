/**
 * `client.deliveries`: a job's webhook deliveries with every attempt (`list`), sending a dead
 * one again (`redeliver`), and following them as they happen (`watch`) over the WebSocket's
 * `deliveries:<id>` topic (docs/protocol.md): every delivery on subscribing, then each one that
 * changes. Notices have no log, so a reconnect (with backoff) subscribes again and starts from
 * a fresh snapshot; nothing is missed for long, and nothing is kept twice.
 */
import type { Delivery } from '../model/webhook.js';
import type { ServerMessage } from '../model/ws-protocol.js';
import { ClientError } from './client-error.js';
import type { HttpRequest } from './http.js';
import { openTopicSocket, type TopicSocket, type TopicSocketDeps } from './topic-socket.js';

type Signal = { signal?: AbortSignal };

export type DeliveryFeedState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface DeliveryWatchOptions {
  /** Every delivery of the job as now known, oldest first, after each change. */
  onDeliveries: (deliveries: readonly Delivery[]) => void;
  onState?: (state: DeliveryFeedState, detail?: string) => void;
  /** The server refused the topic (job_not_found, insufficient_scope): the watch has ended. */
  onError?: (error: ClientError) => void;
  signal?: AbortSignal;
}

export interface DeliveriesApi {
  /** The job's deliveries, oldest first, each with its attempts. */
  list(jobId: string, options?: Signal): Promise<Delivery[]>;
  /** Sends a dead delivery again (409 `delivery_not_dead` for any other). */
  redeliver(jobId: string, deliveryId: string, options?: Signal): Promise<void>;
  /** Follows the job's deliveries live until `close()` or the signal aborts. */
  watch(jobId: string, options: DeliveryWatchOptions): { close(): void };
}

/** Answers retrying cannot change: the watch ends with them. */
const FINAL = new Set(['job_not_found', 'invalid_job_id', 'invalid_topic', 'insufficient_scope']);

export function deliveriesApi(
  body: <T>(request: HttpRequest) => Promise<T>,
  deps: TopicSocketDeps,
): DeliveriesApi {
  const path = (jobId: string) => `/jobs/${encodeURIComponent(jobId)}/deliveries`;
  return {
    list: async (jobId, { signal } = {}) =>
      (await body<{ deliveries: Delivery[] }>({ path: path(jobId), signal })).deliveries,
    redeliver: async (jobId, deliveryId, { signal } = {}) => {
      const at = `${path(jobId)}/${encodeURIComponent(deliveryId)}/redeliver`;
      await body({ method: 'POST', path: at, signal });
    },
    watch: (jobId, options) => watchDeliveries(jobId, options, deps),
  };
}

function watchDeliveries(
  jobId: string,
  options: DeliveryWatchOptions,
  deps: TopicSocketDeps,
): { close(): void } {
  const topic = `deliveries:${jobId}`;
  const known = new Map<string, Delivery>();
  const state = (next: DeliveryFeedState, detail?: string) => options.onState?.(next, detail);

  const handle = (message: ServerMessage) => {
    if (message.type === 'welcome') {
      connection?.send({ type: 'subscribe', topic });
    } else if (message.type === 'deliveries' && message.topic === topic) {
      if (message.snapshot) {
        known.clear();
        connection?.resetBackoff();
        state('live');
      }
      for (const delivery of message.deliveries) known.set(delivery.id, delivery);
      // Ids are unordered; creation order is the order the server lists them in.
      const all = [...known.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      options.onDeliveries(all);
    } else if (message.type === 'error' && message.topic === topic) {
      const error = new ClientError(message.code, message.message);
      if (FINAL.has(message.code)) {
        close();
        options.onError?.(error);
      } else {
        connection?.dropConnection(); // a passing failure (a store read): subscribe again later
      }
    }
  };

  const close = () => {
    if (connection?.close()) state('closed');
  };
  const connection: TopicSocket | undefined = options.signal?.aborted
    ? undefined
    : openTopicSocket(deps, {
        onMessage: handle,
        onConnecting: (retry) => {
          state(retry ? 'reconnecting' : 'connecting');
        },
        onReconnecting: (detail) => {
          state('reconnecting', detail);
        },
      });
  options.signal?.addEventListener('abort', close, { once: true });
  if (!connection) state('closed');
  return { close };
}

/**
 * `createClient({ baseUrl })`: the typed client of the job-status API, for browsers and Node 20.
 * Plain requests (submit, get, list, cancel, jobTypes), registered webhook endpoints
 * (`webhooks`), recurring schedules (`schedules`) and the four ways to follow a job (`watch`); see docs/client.md.
 */
import type { ServerStats } from '../model/stats.js';
import type { Job, JobEvent } from '../model/job.js';
import type { BackoffPolicy } from '../model/backoff.js';
import type { JobPage } from '../model/job-page.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { joinChat, type ChatOptions, type ChatRoom } from './chat.js';
import { Http } from './http.js';
import { jobEvents, type JobEventsOptions } from './jobs-feed.js';
import { runtime as resolveRuntime, type WebSocketConstructor } from './runtime.js';
import type { JobTypeInfo, ListOptions } from './types.js';
import { watchJob, type JobWatch, type WatchOptions } from './watch.js';
import { schedulesApi, type SchedulesApi } from './schedules.js';
import { webhooksApi, type WebhooksApi } from './webhooks.js';
import { deliveriesApi, type DeliveriesApi } from './deliveries.js';
import type { WebhookRequest } from '../model/webhook.js';

export interface ClientOptions {
  /** Where the server is, e.g. `http://localhost:8000` (a path prefix is kept). */
  baseUrl: string | URL;
  /**
   * An API key, for servers run with --api-keys: sent as `Authorization: Bearer <token>` on
   * HTTP requests and event streams, and exchanged for short-lived access tokens for
   * WebSockets (which cannot send that header).
   */
  token?: string;
  /** Default: the global fetch. Requests and event streams use it. */
  fetch?: typeof fetch;
  /** Default: the global WebSocket, else the `ws` package (Node 20). */
  WebSocket?: WebSocketConstructor;
  /** Reconnect delays of every transport (default 250 ms doubling to 15 s, with jitter). */
  backoff?: Partial<BackoffOptions>;
}

export interface SubmitOptions {
  /** Retries with the same key return the same job instead of a second one. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Runs it may have in all (default: the job type's, else 1). */
  attempts?: number;
  /** The wait before each retry. */
  backoff?: BackoffPolicy;
  /** Higher runs first (PRIORITY_MIN–PRIORITY_MAX, default 0). */
  priority?: number;
  /** Wait this many ms before the first run. */
  delayMs?: number;
  /** Do not run before this time (ISO 8601); instead of `delayMs`. */
  runAt?: string;
  /**
   * Keep the job this long once finished, instead of the server's --retention: ms, or text
   * such as `"1h"`, `"7d"` (1 s to 366 days; the server clamps it to its --max-keep-for).
   */
  keepFor?: number | string;
  /** Call this URL back about the job: when it ends (`events: "terminal"`, the default) or on every change. */
  webhook?: WebhookRequest;
}

export interface Client {
  readonly baseUrl: string;
  submit(type: string, input?: unknown, options?: SubmitOptions): Promise<Job>;
  get(id: string, options?: { signal?: AbortSignal }): Promise<Job>;
  list(options?: ListOptions): Promise<JobPage>;
  cancel(id: string, options?: { signal?: AbortSignal }): Promise<Job>;
  jobTypes(options?: { signal?: AbortSignal }): Promise<JobTypeInfo[]>;
  /** Snapshots of the job until its terminal state; pass the Job from submit to save a GET. */
  watch(job: string | Job, options?: WatchOptions): JobWatch;
  /** The server's live figures (GET /stats): event-loop delay, open connections. */
  stats(options?: { signal?: AbortSignal }): Promise<ServerStats>;
  /** Every job's events, live (a jobs table); never ends by itself. */
  jobEvents(options?: JobEventsOptions): AsyncIterable<JobEvent>;
  /** Joins a chat room of the push chapter. */
  chat(room: string, options: ChatOptions): ChatRoom;
  /** Registered webhook endpoints of this key: create, list, get, update, delete, rotateSecret. */
  readonly webhooks: WebhooksApi;
  /** Recurring schedules of this key: create, list, get, pause, resume, delete. */
  readonly schedules: SchedulesApi;
  /** A job's webhook deliveries: list, redeliver a dead one, watch them as they happen. */
  readonly deliveries: DeliveriesApi;
}

export function createClient(options: ClientOptions): Client {
  const base = new URL(String(options.baseUrl));
  // Relative paths resolve below the base only when it ends with a slash.
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const http = new Http({
    baseUrl: base,
    token: options.token,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
  });
  const deps = {
    http,
    runtime: resolveRuntime(options),
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
  };
  const body = async <T>(request: Parameters<Http['request']>[0]): Promise<T> =>
    (await http.request(request)).body as T;
  const jobPath = (id: string) => `/jobs/${encodeURIComponent(id)}`;

  return {
    baseUrl: base.href,
    submit: (type, input, submitOptions = {}) =>
      body<Job>({
        method: 'POST',
        path: '/jobs',
        body: {
          type,
          input: input ?? {},
          attempts: submitOptions.attempts,
          backoff: submitOptions.backoff,
          priority: submitOptions.priority,
          delay: submitOptions.delayMs,
          runAt: submitOptions.runAt,
          keepFor: submitOptions.keepFor,
          webhook: submitOptions.webhook,
        },
        headers:
          submitOptions.idempotencyKey === undefined
            ? {}
            : { 'idempotency-key': submitOptions.idempotencyKey },
        signal: submitOptions.signal,
      }),
    get: (id, { signal } = {}) => body<Job>({ path: jobPath(id), signal }),
    list: ({ signal, ...query } = {}) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query) as [string, string | number | undefined][]) {
        if (value !== undefined) params.set(key, String(value));
      }
      const search = params.size > 0 ? `?${params.toString()}` : '';
      return body<JobPage>({ path: `/jobs${search}`, signal });
    },
    cancel: (id, { signal } = {}) => body<Job>({ method: 'DELETE', path: jobPath(id), signal }),
    jobTypes: ({ signal } = {}) => body<JobTypeInfo[]>({ path: '/job-types', signal }),
    stats: ({ signal } = {}) => body<ServerStats>({ path: '/stats', signal }),
    watch: (job, watchOptions = {}) => watchJob(job, watchOptions, deps),
    jobEvents: (feedOptions = {}) => jobEvents(deps, feedOptions),
    chat: (room, chatOptions) => joinChat(room, chatOptions, deps),
    webhooks: webhooksApi(body),
    schedules: schedulesApi(body),
    deliveries: deliveriesApi(body, deps),
  };
}

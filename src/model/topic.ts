/**
 * What clients subscribe to: `job:<id>` (one job's events), `jobs` (every job's lifecycle),
 * free message topics (`chat:<room>`) and a job's webhook deliveries (`deliveries:<id>`).
 * Shared by the bus, the transports and the SDK.
 */
export type Topic = `job:${string}` | 'jobs';

/**
 * Message topics carry messages rather than job events: chat rooms and publish/subscribe, and
 * the server's notices that a job's webhook delivery changed (`deliveries:<jobId>`, written by
 * the server only). They have no log and no replay; delivery is at-most-once, like Redis
 * pub/sub (which a Redis bus maps them to).
 */
export type MessageTopic = `chat:${string}` | `deliveries:${string}`;

export interface TopicMessage {
  topic: MessageTopic;
  /** What the publisher sent; JSON-serialisable. Shared by every listener: do not modify it. */
  data: unknown;
  /** When the bus accepted it (ISO 8601). */
  at: string;
}

export function jobTopic(jobId: string): Topic {
  return `job:${jobId}`;
}

export function deliveriesTopic(jobId: string): `deliveries:${string}` {
  return `deliveries:${jobId}`;
}

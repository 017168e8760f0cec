/** The push transport's limits, and how they come from the server options (README, "Configuration"). */
import type { ServerOptions } from '../../config/options.js';
import type { OutboxLimits } from './outbox.js';

export interface WebSocketOptions extends OutboxLimits {
  /** `--ws-heartbeat`: how often every connection is pinged. */
  heartbeatMs: number;
  /** `--ws-max-payload`: the largest message a client may send, in bytes. */
  maxPayload: number;
  /** `--ws-deflate`: accept permessage-deflate when a client offers it. */
  deflate: boolean;
  /** `--ws-max-subscriptions`: topics one connection may hold. */
  maxSubscriptions: number;
  /** `--ws-publish-rate`: publishes (and named joins) per second per connection. */
  publishRate: number;
}

export function webSocketOptions(options: ServerOptions): WebSocketOptions {
  return {
    heartbeatMs: options.wsHeartbeat,
    maxPayload: options.wsMaxPayload,
    deflate: options.wsDeflate,
    highWaterMark: options.wsHighWaterMark,
    maxBuffered: options.wsMaxBuffered,
    maxHeld: options.wsMaxHeld,
    maxSubscriptions: options.wsMaxSubscriptions,
    publishRate: options.wsPublishRate,
  };
}

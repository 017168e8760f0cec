/**
 * How long a stream or socket may stay quiet before the SDK gives it up. A connection can fall
 * silent without closing — a frozen server, a NAT mapping dropped without a reset — and then
 * nothing but a timer notices. Servers send heartbeats on idle connections and announce their
 * interval (the WebSocket welcome's `heartbeatMs`, the event stream's `: heartbeat-ms` comment);
 * one missed heartbeat is tolerated, two are not.
 */

/** Silence allowed beyond two heartbeat intervals, for delays on the way. */
const HEARTBEAT_MARGIN_MS = 1000;

/** The longest `--sse-heartbeat` (docs/protocol.md): assumed when a stream does not announce. */
export const MAX_SSE_HEARTBEAT_MS = 15_000;

/** How long a socket or stream may take to open, unless the caller says otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The silence after which a connection with this heartbeat interval counts as dead. */
export function allowedSilenceMs(heartbeatMs: number): number {
  return 2 * heartbeatMs + HEARTBEAT_MARGIN_MS;
}

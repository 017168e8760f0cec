/** The transports' names as the dashboard shows them. */
import type { TransportName } from '../../src/client/index.js';

export const TITLES: Readonly<Record<TransportName, string>> = {
  'short-poll': 'Short polling',
  'long-poll': 'Long polling',
  sse: 'Server-sent events',
  websocket: 'WebSocket push',
};

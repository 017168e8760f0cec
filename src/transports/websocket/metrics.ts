/**
 * Prometheus metrics of the WebSocket transport, on the app's registry. Gauges are read from
 * the live connections when scraped, so they can never drift from the truth. Also what each
 * connection reports about itself (`ConnectionStats`), for demos and tests.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { Tally } from '../../edge/tally.js';
import { transportMetrics } from '../../edge/transport-metrics.js';
import type { Subscription } from './subscription.js';

const TRANSPORT = 'websocket';

export type DisconnectReason =
  | 'client'
  | 'heartbeat_timeout'
  | 'slow_consumer'
  | 'message_too_large'
  | 'shutdown'
  | 'internal_error';

type SubscriptionCounts = Record<Subscription['kind'], number>;

export interface ConnectionStats {
  subscriptions: string[];
  /** Names it announced in chat rooms. */
  names: string[];
  bufferedBytes: number;
  peakBufferedBytes: number;
  held: number;
  credits: number | undefined;
  /** Why the server is closing it, while the closing handshake runs. */
  closing: DisconnectReason | undefined;
}

/** What the gauges read from each live connection. */
export interface MeteredConnection {
  readonly bufferedBytes: number;
  /** Adds its subscriptions to `into`, by kind. */
  countSubscriptions(into: SubscriptionCounts): void;
}

interface WebSocketView {
  connections: number;
  subscriptions: SubscriptionCounts;
  bufferedBytes: number;
}

function viewOf(connections: ReadonlySet<MeteredConnection>): WebSocketView {
  const subscriptions: SubscriptionCounts = { job: 0, jobs: 0, chat: 0, deliveries: 0 };
  let bufferedBytes = 0;
  for (const connection of connections) {
    connection.countSubscriptions(subscriptions);
    bufferedBytes += connection.bufferedBytes;
  }
  return { connections: connections.size, subscriptions, bufferedBytes };
}

export interface WebSocketMetrics {
  sent: (bytes: number) => void;
  conflated: () => void;
  dropped: () => void;
  disconnected: (reason: DisconnectReason) => void;
  rejected: (code: string) => void;
}

export function webSocketMetrics(
  registry: Registry,
  connections: ReadonlySet<MeteredConnection>,
): WebSocketMetrics {
  const registers = [registry];
  const view = () => viewOf(connections);
  // The figures every transport reports alike, for side-by-side dashboards.
  const shared = transportMetrics(registry);
  shared.observeOpen(TRANSPORT, () => view().connections);
  new Gauge({
    name: 'ws_connections',
    help: 'Open WebSocket connections.',
    registers,
    collect() {
      this.set(view().connections);
    },
  });
  new Gauge({
    name: 'ws_subscriptions',
    help: 'WebSocket subscriptions, by topic kind (job, jobs, chat, deliveries).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      for (const [kind, count] of Object.entries(view().subscriptions)) this.set({ kind }, count);
    },
  });
  new Gauge({
    name: 'ws_buffered_bytes',
    help: 'Bytes waiting in the process for WebSocket clients (socket buffers, queues, held).',
    registers,
    collect() {
      this.set(view().bufferedBytes);
    },
  });
  // Counted per message per client: added up here, handed to prom-client at each scrape.
  const messages = new Tally();
  const bytes = new Tally();
  new Counter({
    name: 'ws_messages_sent_total',
    help: 'WebSocket messages handed to sockets.',
    registers,
    collect() {
      this.inc(messages.take());
    },
  });
  new Counter({
    name: 'ws_bytes_sent_total',
    help: 'Payload bytes of the WebSocket messages handed to sockets.',
    registers,
    collect() {
      this.inc(bytes.take());
    },
  });
  const sharedBytes = shared.bytesSent(TRANSPORT);
  const conflated = new Counter({
    name: 'ws_conflated_total',
    help: 'Job progress updates replaced by a newer one before a slow client got them.',
    registers,
  });
  const dropped = new Counter({
    name: 'ws_dropped_total',
    help: 'Chat messages dropped for clients out of credits (held limit reached).',
    registers,
  });
  const disconnects = new Counter({
    name: 'ws_disconnects_total',
    help: 'Closed WebSocket connections, by reason (slow_consumer, heartbeat_timeout, ...).',
    labelNames: ['reason'] as const,
    registers,
  });
  const rejected = new Counter({
    name: 'ws_rejected_upgrades_total',
    help: 'WebSocket upgrades refused, by error code.',
    labelNames: ['code'] as const,
    registers,
  });
  return {
    sent: (size) => {
      messages.add(1);
      bytes.add(size);
      sharedBytes(size);
    },
    conflated: () => {
      conflated.inc();
      shared.slowConsumer.inc({ transport: TRANSPORT, action: 'conflated' });
    },
    dropped: () => {
      dropped.inc();
    },
    disconnected: (reason) => {
      disconnects.inc({ reason });
      if (reason === 'slow_consumer') {
        shared.slowConsumer.inc({ transport: TRANSPORT, action: 'closed' });
      }
    },
    rejected: (code) => {
      rejected.inc({ code });
    },
  };
}

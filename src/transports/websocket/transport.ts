/**
 * The push transport as a part of the server: it answers the upgrades of the app's HTTP server
 * through the gate (upgrade-gate.ts), turns each accepted socket into a Connection (the pattern,
 * src/transports/websocket.ts), keeps the live ones under one heartbeat timer and in the
 * metrics, and closes them all at shutdown.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import type { Caller } from '../../auth/caller.js';
import type { Guards } from '../../edge/guards.js';
import type { JobEngine } from '../../jobs/engine.js';
import { Lifecycle, type Closeable, type LifecycleState } from '../../lifecycle/lifecycle.js';
import { ERROR_CATALOGUE } from '../../model/errors/catalogue.js';
import { Connection, type ConnectionDeps } from '../websocket.js';
import { Heartbeat } from './heartbeat.js';
import { webSocketMetrics, type ConnectionStats } from './metrics.js';
import type { WebSocketOptions } from './options.js';
import { UpgradeGate } from './upgrade-gate.js';

export interface WebSocketDependencies {
  /** The only door to jobs, their events and the chat topics. */
  engine: JobEngine;
  logger: Logger;
  /** Authentication, connection caps and the per-key publish limit, shared with HTTP. */
  guards: Guards;
}

export class WebSocketTransport implements Closeable {
  readonly #deps: WebSocketDependencies;
  readonly #options: WebSocketOptions;
  readonly #connections = new Set<Connection>();
  readonly #heartbeat: Heartbeat;
  readonly #gate: UpgradeGate;
  readonly #lifecycle: Lifecycle;
  /** What every connection shares, metrics included (one object for all, made by register()). */
  #connectionDeps: ConnectionDeps | undefined;

  constructor(deps: WebSocketDependencies, options: WebSocketOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#heartbeat = new Heartbeat(options.heartbeatMs);
    this.#lifecycle = new Lifecycle((stage, error) => {
      deps.logger.error({ err: error, stage }, 'closing the WebSocket transport failed');
    });
    this.#gate = new UpgradeGate({
      ...deps,
      maxPayload: options.maxPayload,
      deflate: options.deflate,
      accepting: () => this.#lifecycle.running,
      onConnection: (ws, caller, release) => {
        this.#accept(ws, caller, release);
      },
      onRejected: (code) => this.#connectionDeps?.metrics.rejected(code),
    });
  }

  /** Serves /ws on the app's HTTP server, with metrics on `registry`. */
  register(server: Server, registry: Registry): void {
    const metrics = webSocketMetrics(registry, this.#connections);
    this.#connectionDeps = {
      ...this.#deps,
      metrics,
      options: this.#options,
      onClosed: (connection, reason) => {
        this.#connections.delete(connection);
        this.#heartbeat.delete(connection);
        metrics.disconnected(reason);
      },
    };
    this.#gate.listen(server);
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Per-connection figures, for demos and tests. */
  stats(): ConnectionStats[] {
    return [...this.#connections].map((connection) => connection.stats());
  }

  /**
   * Refuses new upgrades, closes every connection with 1001 (going away), waits up to `graceMs`
   * for the closing handshakes, then terminates the rest. Resolves when all are released.
   */
  close(graceMs = 1000): Promise<void> {
    return this.#lifecycle.close(() => [
      {
        name: 'heartbeat',
        run: () => {
          this.#heartbeat.close();
        },
      },
      { name: 'connections', run: () => this.#closeConnections(graceMs) },
      {
        name: 'websocket server',
        run: () => {
          this.#gate.close();
        },
      },
    ]);
  }

  async #closeConnections(graceMs: number): Promise<void> {
    const connections = [...this.#connections];
    const code = ERROR_CATALOGUE.shutting_down.wsCloseCode;
    for (const connection of connections) {
      connection.close(code, 'server shutting down', 'shutdown');
    }
    const all = Promise.all(connections.map((c) => c.released));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([all, deadline]);
    clearTimeout(timer);
    for (const connection of this.#connections) connection.terminate();
    await all;
  }

  #accept(ws: WebSocket, caller: Caller, releaseSlot: () => void): void {
    const deps = this.#connectionDeps;
    if (!deps) throw new Error('register() before accepting connections');
    // The handshake finished after close() began: nobody would close this one any more.
    if (!this.#lifecycle.running) {
      ws.terminate();
      releaseSlot();
      return;
    }
    const connection = new Connection(ws, deps, caller, releaseSlot);
    this.#connections.add(connection);
    this.#heartbeat.add(connection);
  }
}

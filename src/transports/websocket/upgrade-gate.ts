/**
 * Who may open a WebSocket, decided before the upgrade completes: the path is /ws, the server
 * is not draining (503), the page's Origin is allowed (403), the caller is authenticated when
 * authentication is on (401: a key, a JWT, or an access token since browsers cannot send
 * headers; 503 jwks_unavailable when the identity provider's keys are out of reach), and
 * the address and key hold fewer connections than their caps (429). A refusal — and a
 * malformed handshake — is answered on the raw socket as a problem document, like every other
 * HTTP error; ws's bare text/html answer is never sent.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Caller } from '../../auth/caller.js';
import { isOriginAllowed } from '../../auth/origin-policy.js';
import type { Guards } from '../../edge/guards.js';
import { pathOf, rawProblemResponse } from '../../edge/problem.js';
import { AppError, isAppError } from '../../model/errors/app-error.js';
import type { ErrorCode } from '../../model/errors/catalogue.js';

export const WEBSOCKET_PATH = '/ws';

/**
 * permessage-deflate, when on: every message compressed (ws's default threshold, 1 KiB, would
 * leave every job event and chat message as it is — they are a few hundred bytes), at zlib's
 * fastest level, with context takeover, so the repeated keys and ids of a stream compress
 * against the messages before them. The cost is a deflate stream per connection.
 */
const DEFLATE = { threshold: 0, zlibDeflateOptions: { level: 1 } } as const;

export interface UpgradeGateOptions {
  guards: Guards;
  logger: Logger;
  maxPayload: number;
  /** Accept permessage-deflate (--ws-deflate). */
  deflate: boolean;
  /** False once the transport is closing: upgrades are refused as `shutting_down`. */
  accepting(): boolean;
  /** Each upgrade that passed, with its caller; `release` frees its connection slot. */
  onConnection(ws: WebSocket, caller: Caller, release: () => void): void;
  /** Each refusal, by error code (metrics). */
  onRejected(code: ErrorCode): void;
}

export class UpgradeGate {
  readonly #options: UpgradeGateOptions;
  readonly #server: WebSocketServer;

  constructor(options: UpgradeGateOptions) {
    this.#options = options;
    // noServer: the upgrade listener below decides first.
    this.#server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload,
      perMessageDeflate: options.deflate ? DEFLATE : false,
    });
    // A malformed handshake (method, Upgrade, key, version, subprotocols).
    this.#server.on('wsClientError', (error: Error, socket: Duplex, request: IncomingMessage) => {
      this.#reject(
        socket,
        request,
        'invalid_request',
        `invalid WebSocket upgrade: ${error.message}`,
      );
    });
  }

  /** Answers the upgrades of `server`. */
  listen(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.#onUpgrade(request, socket, head);
      } catch (error) {
        // An emitter listener that throws would take the process down; this socket is enough.
        this.#options.logger.error({ err: error }, 'websocket upgrade failed');
        socket.destroy();
      }
    });
  }

  close(): void {
    this.#server.close();
  }

  #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = pathOf(request.url ?? '/');
    if (path !== WEBSOCKET_PATH) {
      this.#reject(socket, request, 'not_found', `no WebSocket endpoint at ${path}`);
      return;
    }
    if (!this.#options.accepting()) {
      this.#reject(socket, request, 'shutting_down', 'the server is shutting down');
      return;
    }
    const { guards } = this.#options;
    const { origin, host } = request.headers;
    if (!isOriginAllowed(guards.origins, origin, host)) {
      const detail = `pages from ${origin ?? ''} may not open a WebSocket here`;
      this.#reject(socket, request, 'origin_not_allowed', detail);
      return;
    }
    let found: Caller | Promise<Caller>;
    try {
      found = guards.auth.authenticate(request.headers, request.url, true);
    } catch (error) {
      this.#refuse(socket, request, error);
      return;
    }
    if (!(found instanceof Promise)) {
      this.#admit(request, socket, head, found);
      return;
    }
    // A token's signature check (and perhaps a JWKS fetch, bounded by --jwks-timeout).
    found.then(
      (caller) => {
        if (!this.#options.accepting()) {
          this.#reject(socket, request, 'shutting_down', 'the server is shutting down');
        } else {
          this.#admit(request, socket, head, caller);
        }
      },
      (error: unknown) => {
        this.#refuse(socket, request, error);
      },
    );
  }

  /** Takes a connection slot for an authenticated caller and completes the upgrade. */
  #admit(request: IncomingMessage, socket: Duplex, head: Buffer, caller: Caller): void {
    const { guards } = this.#options;
    void guards
      .holdConnection(guards.clientAddress(request), caller.owner)
      .then(
        (release) => {
          // Counting the slot may have taken a round trip to Redis: the client may be gone, or
          // shutdown begun.
          if (socket.destroyed) {
            release();
          } else if (!this.#options.accepting()) {
            release();
            this.#reject(socket, request, 'shutting_down', 'the server is shutting down');
          } else {
            this.#server.handleUpgrade(request, socket, head, (ws) => {
              this.#options.onConnection(ws, caller, release);
            });
          }
        },
        (error: unknown) => {
          this.#refuse(socket, request, error);
        },
      )
      .catch((error: unknown) => {
        this.#options.logger.error({ err: error }, 'websocket upgrade failed');
        socket.destroy();
      });
  }

  /** A catalogue error refuses the upgrade; anything else is a fault: the socket is dropped. */
  #refuse(socket: Duplex, request: IncomingMessage, error: unknown): void {
    if (isAppError(error)) {
      this.#reject(socket, request, error.code, error.message, error);
      return;
    }
    this.#options.logger.error({ err: error }, 'websocket upgrade failed');
    socket.destroy();
  }

  #reject(
    socket: Duplex,
    request: IncomingMessage,
    code: ErrorCode,
    detail: string,
    error = new AppError(code, detail),
  ): void {
    this.#options.onRejected(code);
    socket.on('error', () => socket.destroy());
    // The path only, as on HTTP: the query may carry the access token being refused.
    socket.end(rawProblemResponse(error, pathOf(request.url ?? '/')));
  }
}

/**
 * The SDK's reconnecting `/ws` connection for at-most-once topics (chat rooms, a job's
 * webhook deliveries): it connects, hands every server message on, and after a close or a
 * failed connect tries again with backoff until closed. Those topics have no log, so the
 * caller subscribes again on each `welcome`; what it missed while away is not replayed.
 */
import type { ClientMessage, ServerMessage } from '../model/ws-protocol.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { Http } from './http.js';
import type { Runtime, SocketLike } from './runtime.js';

export interface TopicSocketDeps {
  http: Pick<Http, 'socketUrl'>;
  runtime: Runtime;
  backoff: BackoffOptions;
}

export interface TopicSocketHandlers {
  onMessage(message: ServerMessage): void;
  /** Before each connection: `retry` is false the first time, true after a failure. */
  onConnecting(retry: boolean): void;
  /** The connection closed or could not open; another try follows after the backoff. */
  onReconnecting(detail: string, error?: unknown): void;
}

export interface TopicSocket {
  /** Sends on the open connection; false while there is none (nothing is queued). */
  send(message: ClientMessage): boolean;
  /** Closes the current connection (1000): a new one follows after the backoff. */
  dropConnection(): void;
  /** The connection is healthy again (the topic answered): the next retry starts short. */
  resetBackoff(): void;
  /** Closes for good (1000); false when it already was. */
  close(): boolean;
}

export function openTopicSocket(deps: TopicSocketDeps, handlers: TopicSocketHandlers): TopicSocket {
  let socket: SocketLike | undefined;
  let closed = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const reconnect = (detail: string, error?: unknown) => {
    handlers.onReconnecting(detail, error);
    retry = setTimeout(start, backoffDelay(failures++, deps.backoff));
  };

  const connect = async () => {
    handlers.onConnecting(failures > 0);
    const WebSocket = await deps.runtime.webSocket();
    const url = await deps.http.socketUrl('/ws');
    if (closed) return;
    const current = new WebSocket(url);
    socket = current;
    current.addEventListener('message', (event) => {
      if (typeof event.data === 'string')
        handlers.onMessage(JSON.parse(event.data) as ServerMessage);
    });
    current.addEventListener('error', () => undefined);
    current.addEventListener('close', (event) => {
      if (socket !== current) return;
      socket = undefined;
      if (!closed) reconnect(`closed ${event.code}`);
    });
  };

  const start = () => {
    connect().catch((error: unknown) => {
      if (!closed) reconnect(String(error), error);
    });
  };

  start();
  return {
    send(message) {
      if (!socket) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    dropConnection() {
      socket?.close(1000);
    },
    resetBackoff() {
      failures = 0;
    },
    close() {
      if (closed) return false;
      closed = true;
      clearTimeout(retry);
      socket?.close(1000);
      socket = undefined;
      return true;
    },
  };
}

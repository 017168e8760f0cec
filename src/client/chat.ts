/**
 * `client.chat(room, { name })`: the push chapter's chat over the WebSocket (`chat:<room>`
 * topics, docs/protocol.md). Messages are at-most-once — nothing is stored — so a reconnect
 * (with backoff) simply joins again; the room sees the member leave and come back.
 */
import type { ServerMessage } from '../model/ws-protocol.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { Http } from './http.js';
import type { Runtime, SocketLike } from './runtime.js';

export type ChatEntry =
  | { kind: 'message'; name: string; text: string; at: string }
  | { kind: 'presence'; event: 'join' | 'leave'; name: string; members: number; at: string }
  | { kind: 'state'; state: 'connecting' | 'joined' | 'reconnecting'; detail?: string }
  | { kind: 'error'; code: string; message: string };

export interface ChatOptions {
  /** Announced to the room; 1–40 characters. */
  name: string;
  onEntry: (entry: ChatEntry) => void;
  signal?: AbortSignal;
}

export interface ChatRoom {
  /** Sends a message to the room; false while not connected (nothing is queued). */
  send(text: string): boolean;
  close(): void;
}

export function joinChat(
  room: string,
  options: ChatOptions,
  deps: { http: Http; runtime: Runtime; backoff: BackoffOptions },
): ChatRoom {
  const topic = `chat:${room}`;
  let socket: SocketLike | undefined;
  let joined = false;
  let closed = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const emit = options.onEntry;

  const handle = (message: ServerMessage) => {
    if (message.type === 'welcome') {
      socket?.send(JSON.stringify({ type: 'subscribe', topic, name: options.name }));
    } else if (message.type === 'subscribed' && message.topic === topic) {
      joined = true;
      failures = 0;
      emit({ kind: 'state', state: 'joined' });
    } else if (message.type === 'presence' && message.topic === topic) {
      const { event, name, members, at } = message;
      emit({ kind: 'presence', event, name, members, at });
    } else if (message.type === 'event' && message.topic === topic) {
      const data = (message.data ?? {}) as { name?: unknown; text?: unknown };
      const at = 'at' in message ? message.at : '';
      emit({
        kind: 'message',
        name: typeof data.name === 'string' ? data.name : 'someone',
        text: typeof data.text === 'string' ? data.text : JSON.stringify(message.data),
        at,
      });
    } else if (message.type === 'error') {
      emit({ kind: 'error', code: message.code, message: message.message });
    }
  };

  const connect = async () => {
    emit({ kind: 'state', state: 'connecting' });
    const WebSocket = await deps.runtime.webSocket();
    const url = await deps.http.socketUrl('/ws');
    if (closed) return;
    const current = new WebSocket(url);
    socket = current;
    current.addEventListener('message', (event) => {
      if (typeof event.data === 'string') handle(JSON.parse(event.data) as ServerMessage);
    });
    current.addEventListener('error', () => undefined);
    current.addEventListener('close', (event) => {
      if (socket !== current) return;
      socket = undefined;
      joined = false;
      if (closed) return;
      const delay = backoffDelay(failures++, deps.backoff);
      emit({ kind: 'state', state: 'reconnecting', detail: `closed ${event.code}` });
      retry = setTimeout(start, delay);
    });
  };

  const start = () => {
    connect().catch((error: unknown) => {
      emit({ kind: 'error', code: 'network_error', message: String(error) });
    });
  };

  const close = () => {
    closed = true;
    clearTimeout(retry);
    socket?.close(1000);
    socket = undefined;
  };
  options.signal?.addEventListener('abort', close, { once: true });
  start();
  return {
    send(text) {
      if (!joined || !socket) return false;
      socket.send(JSON.stringify({ type: 'publish', topic, data: { name: options.name, text } }));
      return true;
    },
    close,
  };
}

/**
 * `client.chat(room, { name })`: the push chapter's chat over the WebSocket (`chat:<room>`
 * topics, docs/protocol.md). Messages are at-most-once — nothing is stored — so a reconnect
 * (with backoff, topic-socket.ts) simply joins again; the room sees the member leave and come
 * back.
 */
import type { ServerMessage } from '../model/ws-protocol.js';
import { openTopicSocket, type TopicSocketDeps } from './topic-socket.js';

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

export function joinChat(room: string, options: ChatOptions, deps: TopicSocketDeps): ChatRoom {
  const topic = `chat:${room}`;
  let joined = false;
  const emit = options.onEntry;

  const handle = (message: ServerMessage) => {
    if (message.type === 'welcome') {
      connection.send({ type: 'subscribe', topic, name: options.name });
    } else if (message.type === 'subscribed' && message.topic === topic) {
      joined = true;
      connection.resetBackoff();
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

  const connection = openTopicSocket(deps, {
    onMessage: handle,
    onConnecting: () => {
      emit({ kind: 'state', state: 'connecting' });
    },
    onReconnecting: (detail, error) => {
      joined = false;
      // A connect that failed before any socket (the token request, say) is also an error entry.
      if (error !== undefined) emit({ kind: 'error', code: 'network_error', message: detail });
      emit({ kind: 'state', state: 'reconnecting', detail });
    },
  });
  const close = () => {
    joined = false;
    connection.close();
  };
  options.signal?.addEventListener('abort', close, { once: true });
  return {
    send(text) {
      if (!joined) return false;
      return connection.send({ type: 'publish', topic, data: { name: options.name, text } });
    },
    close,
  };
}

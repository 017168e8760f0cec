/**
 * WebSocket and EventSource for any runtime: the ones given to createClient, else the
 * runtime's own (browsers, Node 22+), else — Node 20 has neither — the `ws` and `eventsource`
 * packages, imported only then, so a browser bundle never contains them.
 *
 * The interfaces are the small part of the WHATWG APIs the SDK uses; the browser's classes,
 * `ws`'s and `eventsource`'s all have it.
 */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code: number; reason: string }) => void,
  ): void;
}
export type WebSocketConstructor = new (url: string) => SocketLike;

export interface EventSourceLike {
  close(): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(
    type: string,
    listener: (event: { data: string; lastEventId: string }) => void,
  ): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

export interface Runtime {
  webSocket(): Promise<WebSocketConstructor>;
  eventSource(): Promise<EventSourceConstructor>;
}

// Variables, so bundlers leave these Node-only imports alone (they are never reached in a
// browser) instead of trying to bundle them.
const WS_MODULE = 'ws';
const EVENTSOURCE_MODULE = 'eventsource';

export function runtime(given: {
  WebSocket?: WebSocketConstructor;
  EventSource?: EventSourceConstructor;
}): Runtime {
  const globals = globalThis as {
    WebSocket?: WebSocketConstructor;
    EventSource?: EventSourceConstructor;
  };
  return {
    async webSocket() {
      const found = given.WebSocket ?? globals.WebSocket;
      if (found) return found;
      const module = (await import(WS_MODULE)) as { WebSocket: WebSocketConstructor };
      return module.WebSocket;
    },
    async eventSource() {
      const found = given.EventSource ?? globals.EventSource;
      if (found) return found;
      const module = (await import(EVENTSOURCE_MODULE)) as { EventSource: EventSourceConstructor };
      return module.EventSource;
    },
  };
}

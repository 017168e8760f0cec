/**
 * The WebSocket class for any runtime: the one given to createClient, else the runtime's own
 * (browsers, Node 22+), else — Node 20 has none — the `ws` package, imported only then, so a
 * browser bundle never contains it. (Event streams need no such class: they are read with
 * fetch, which every supported runtime has.)
 *
 * The interface is the small part of the WHATWG WebSocket API the SDK uses; the browser's
 * class and `ws`'s both have it.
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

export interface Runtime {
  webSocket(): Promise<WebSocketConstructor>;
}

// A variable, so bundlers leave this Node-only import alone (it is never reached in a browser)
// instead of trying to bundle it.
const WS_MODULE = 'ws';

export function runtime(given: { WebSocket?: WebSocketConstructor }): Runtime {
  const globals = globalThis as { WebSocket?: WebSocketConstructor };
  return {
    async webSocket() {
      const found = given.WebSocket ?? globals.WebSocket;
      if (found) return found;
      const module = (await import(WS_MODULE)) as { WebSocket: WebSocketConstructor };
      return module.WebSocket;
    },
  };
}

/**
 * `auto` prefers WebSocket, then SSE, then long polling, and says which it chose. Here the
 * server refuses the WebSocket upgrade the way it refuses a page from a foreign origin, then a
 * proxy refuses the event stream too, and the watch still ends with the final state.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createClient } from '../src/client/index.js';
import { startTestServer } from './helpers/test-server.js';

/** What a browser page from another site sends: the server answers 403 origin_not_allowed. */
class ForeignPageSocket extends WebSocket {
  constructor(url: string) {
    super(url, { origin: 'https://elsewhere.example' });
  }
}

/** A proxy in between that answers event streams with its own 404 page; the rest passes. */
const blockingEventStreams: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  if (headers.get('accept') === 'text/event-stream') {
    return new Response('<h1>Not Found</h1>', {
      status: 404,
      headers: { 'content-type': 'text/html' },
    });
  }
  return fetch(input, init);
};

describe('client.watch with transport auto', () => {
  it('uses WebSocket when it can', async () => {
    const { url } = await startTestServer();
    const client = createClient({ baseUrl: url });
    const watch = client.watch(await client.submit('demo', { stepMs: 10 }));
    let last;
    for await (const job of watch) last = job;
    expect(last?.status).toBe('succeeded');
    expect(watch.stats).toMatchObject({ transport: 'websocket', fallbacks: [], connections: 1 });
  });

  it('falls back to SSE when the WebSocket upgrade is refused, then to long polling', async () => {
    const { url } = await startTestServer({ origins: 'https://app.example' });
    const refused = await new Promise<number>((resolve) => {
      new ForeignPageSocket(`${url.replace('http', 'ws')}/ws`).on(
        'unexpected-response',
        (_, res) => {
          resolve(res.statusCode ?? 0);
        },
      );
    });
    expect(refused).toBe(403);

    const viaSse = createClient({ baseUrl: url, WebSocket: ForeignPageSocket });
    const first = viaSse.watch(await viaSse.submit('demo', { stepMs: 10 }));
    const seen: number[] = [];
    for await (const job of first) seen.push(job.seq);
    expect(first.stats).toMatchObject({ transport: 'sse', fallbacks: ['websocket'] });
    expect(seen.at(-1)).toBe(12);

    const viaLongPoll = createClient({
      baseUrl: url,
      WebSocket: ForeignPageSocket,
      fetch: blockingEventStreams,
    });
    const job = await viaLongPoll.submit('demo', { stepMs: 10 });
    const second = viaLongPoll.watch(job);
    let last;
    for await (const snapshot of second) last = snapshot;
    expect(second.stats).toMatchObject({ transport: 'long-poll', fallbacks: ['websocket', 'sse'] });
    expect(last).toEqual(await viaLongPoll.get(job.id));
  });
});

/**
 * --ws-deflate: permessage-deflate is accepted only when the option is on (a `ws` client offers
 * it by default), and then a topic's messages arrive intact, in fewer bytes on the wire.
 */
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/test-server.js';
import { connect } from './helpers/ws-client.js';

const MESSAGES = 20;

async function chat(wsDeflate: boolean) {
  const { url } = await startTestServer({ wsDeflate });
  const client = await connect(url);
  const topic = 'chat:deflate';
  client.send({ type: 'subscribe', topic, id: 's' });
  await client.waitFor((m) => m.type === 'subscribed');
  const socket = (client.ws as unknown as { _socket: { bytesRead: number } })._socket;
  const before = socket.bytesRead;
  for (let i = 1; i <= MESSAGES; i++) {
    client.send({ type: 'publish', topic, data: { text: `hello, room, message ${i}` }, id: i });
  }
  await client.waitFor((m) => m.type === 'event' && m.seq === MESSAGES);
  await client.waitFor((m) => m.type === 'published' && m.id === MESSAGES);
  const events = client.messages.filter((m) => m.type === 'event');
  return { extensions: client.ws.extensions, events, bytes: socket.bytesRead - before };
}

describe('WebSocket permessage-deflate', () => {
  it('is declined by default and accepted with --ws-deflate, with the same messages', async () => {
    const plain = await chat(false);
    const deflated = await chat(true);
    expect(plain.extensions).toBe('');
    expect(deflated.extensions).toMatch(/^permessage-deflate/);
    const texts = (events: typeof plain.events) =>
      events.map((m) => JSON.stringify((m.data as { data: unknown }).data));
    expect(texts(deflated.events)).toEqual(texts(plain.events));
    expect(deflated.events).toHaveLength(MESSAGES);
    expect(deflated.bytes).toBeLessThan(plain.bytes * 0.75);
  });
});

import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/test-server.js';
import { connect, type Received, type TestClient } from './helpers/ws-client.js';

const events = (client: TestClient, topic: string) =>
  client.messages.filter((m) => m.type === 'event' && m.topic === topic);

/** Resolves once every message the server sent `client` before this call has arrived. */
async function roundTrip(client: TestClient, id: string): Promise<void> {
  client.send({ type: 'unsubscribe', topic: 'chat:round-trip', id });
  await client.waitFor((m) => m.type === 'unsubscribed' && m.id === id);
}

describe('WebSocket publish/subscribe', () => {
  it('fans a message out to every subscriber of its topic at once, in order', async () => {
    const { url } = await startTestServer({ wsPublishRate: 1000 });
    const subscribers = await Promise.all([connect(url), connect(url), connect(url)]);
    const elsewhere = await connect(url);
    const publisher = await connect(url);
    for (const s of subscribers) s.send({ type: 'subscribe', topic: 'chat:news', id: 's' });
    elsewhere.send({ type: 'subscribe', topic: 'chat:sports', id: 's' });
    await Promise.all(
      [...subscribers, elsewhere].map((s) => s.waitFor((m) => m.type === 'subscribed')),
    );

    for (let i = 1; i <= 20; i++) {
      publisher.send({ type: 'publish', topic: 'chat:news', data: { i }, id: i });
    }
    await publisher.waitFor((m) => m.type === 'published' && m.id === 20);
    for (const s of subscribers) {
      await s.waitFor((m) => m.type === 'event' && m.seq === 20);
      const got = events(s, 'chat:news');
      expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(got.map((m) => (m.data as { i: number }).i)).toEqual(got.map((m) => m.seq));
      expect(typeof got[0]?.at).toBe('string');
    }
    await roundTrip(elsewhere, 'rt');
    expect(events(elsewhere, 'chat:news')).toEqual([]);
  });

  it('numbers by topic: a late subscriber learns where it starts, and every copy is the same frame', async () => {
    const { url } = await startTestServer({ wsPublishRate: 1000 });
    const early = await connect(url);
    const publisher = await connect(url);
    early.send({ type: 'subscribe', topic: 'chat:news' });
    await early.waitFor((m) => m.type === 'subscribed');
    for (let i = 1; i <= 3; i++)
      publisher.send({ type: 'publish', topic: 'chat:news', data: { i } });
    await early.waitFor((m) => m.type === 'event' && m.seq === 3);

    const late = await connect(url);
    late.send({ type: 'subscribe', topic: 'chat:news', id: 'late' });
    const subscribed = await late.waitFor((m) => m.type === 'subscribed' && m.id === 'late');
    expect(subscribed).toMatchObject({ topic: 'chat:news', seq: 3 });

    const frames = (client: TestClient) => {
      const texts: string[] = [];
      client.ws.on('message', (data: Buffer) => texts.push(data.toString()));
      return texts;
    };
    const earlyFrames = frames(early);
    const lateFrames = frames(late);
    publisher.send({ type: 'publish', topic: 'chat:news', data: { i: 4 } });
    const first = await late.waitFor((m) => m.type === 'event');
    expect(first).toMatchObject({ seq: 4, data: { i: 4 } });
    await early.waitFor((m) => m.type === 'event' && m.seq === 4);
    expect(lateFrames).toHaveLength(1);
    expect(earlyFrames).toEqual(lateFrames);
  });

  it('announces named members joining and leaving, with the member count', async () => {
    const { url } = await startTestServer();
    const ada = await connect(url);
    ada.send({ type: 'subscribe', topic: 'chat:lobby', name: 'Ada' });
    await ada.waitFor((m) => m.type === 'presence' && m.name === 'Ada');
    const bob = await connect(url);
    bob.send({ type: 'subscribe', topic: 'chat:lobby', name: 'Bob' });
    const joined = await ada.waitFor((m) => m.type === 'presence' && m.name === 'Bob');
    expect(joined).toMatchObject({ event: 'join', members: 2, topic: 'chat:lobby', seq: 2 });
    bob.ws.close();
    const left = await ada.waitFor((m) => m.type === 'presence' && m.event === 'leave');
    expect(left).toMatchObject({ name: 'Bob', members: 1 });
  });

  it('a client can publish nothing that looks like a server notice', async () => {
    const { url } = await startTestServer();
    const client = await connect(url);
    client.send({ type: 'subscribe', topic: 'chat:r' });
    const forged = { kind: 'presence', event: 'join', name: 'Mallory', members: 99 };
    client.send({ type: 'publish', topic: 'chat:r', data: forged });
    const got = await client.waitFor((m) => m.type === 'event');
    expect(got.data).toEqual(forged);
    expect(client.messages.some((m) => m.type === 'presence')).toBe(false);
  });

  it('with credits, never has more messages in flight than granted; the rest wait', async () => {
    const { url, server } = await startTestServer({ wsPublishRate: 1000, wsMaxHeld: 5 });
    const consumer = await connect(url);
    const fast = await connect(url);
    const publisher = await connect(url);
    consumer.send({ type: 'credit', n: 3 });
    consumer.send({ type: 'subscribe', topic: 'chat:q', id: 'c' });
    fast.send({ type: 'subscribe', topic: 'chat:q', id: 'f' });
    await consumer.waitFor((m) => m.type === 'subscribed');
    await fast.waitFor((m) => m.type === 'subscribed');

    const publish = async (from: number, to: number) => {
      for (let i = from; i <= to; i++)
        publisher.send({ type: 'publish', topic: 'chat:q', data: i });
      await fast.waitFor((m) => m.type === 'event' && m.seq === to);
    };
    const received = () => events(consumer, 'chat:q').map((m: Received) => m.seq);

    await publish(1, 6);
    await roundTrip(consumer, 'a');
    expect(received()).toEqual([1, 2, 3]);
    expect(server.websocket.stats().find((s) => s.credits !== undefined)).toMatchObject({
      held: 3,
      credits: 0,
    });

    consumer.send({ type: 'credit', n: 2 }); // "I handled two": two more may come
    await roundTrip(consumer, 'b');
    expect(received()).toEqual([1, 2, 3, 4, 5]);

    // Five may wait; beyond that the oldest are dropped, and the gap in seq shows it.
    await publish(7, 12);
    consumer.send({ type: 'credit', n: 100 });
    await consumer.waitFor((m) => m.type === 'event' && m.seq === 12);
    expect(received()).toEqual([1, 2, 3, 4, 5, 8, 9, 10, 11, 12]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ws_dropped_total 2/);
    expect(events(fast, 'chat:q')).toHaveLength(12);
  });
});

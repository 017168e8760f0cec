import { describe, expect, it } from 'vitest';
import { LocalBus } from '../store/local-bus.js';
import { TopicFanout, type NumberedMessage } from './topic-fanout.js';

type Payload = { text: string };
const isPayload = (data: unknown): data is Payload =>
  typeof data === 'object' && data !== null && 'text' in data;

function setUp() {
  const reported: unknown[] = [];
  const bus = new LocalBus((error) => reported.push(error));
  return { bus, reported, fanout: new TopicFanout(bus, isPayload) };
}

describe('TopicFanout', () => {
  it('numbers a topic’s messages and hands every listener the same object', async () => {
    const { bus, fanout } = setUp();
    const a: NumberedMessage<Payload>[] = [];
    const b: NumberedMessage<Payload>[] = [];
    fanout.subscribe('chat:r', (m) => a.push(m));
    fanout.subscribe('chat:r', (m) => b.push(m));
    await bus.publishMessage('chat:r', { text: 'one' });
    await bus.publishMessage('chat:r', { text: 'two' });
    expect(a.map((m) => [m.seq, m.data.text])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).toBe(a[1]);
    // One bus subscription for the topic, however many listeners.
    expect(bus.size).toBe(1);
  });

  it('tells a late subscriber where the numbering stands; its first message is seq + 1', async () => {
    const { bus, fanout } = setUp();
    fanout.subscribe('chat:r', () => undefined);
    for (const text of ['1', '2', '3']) await bus.publishMessage('chat:r', { text });
    const seen: number[] = [];
    const late = fanout.subscribe('chat:r', (m) => seen.push(m.seq));
    expect(late.seq).toBe(3);
    await bus.publishMessage('chat:r', { text: '4' });
    expect(seen).toEqual([4]);
    // Other topics keep their own count.
    expect(fanout.subscribe('chat:other', () => undefined).seq).toBe(0);
  });

  it('does not number what is not a message, nor what nobody hears', async () => {
    const { bus, fanout } = setUp();
    const seen: number[] = [];
    fanout.subscribe('chat:r', (m) => seen.push(m.seq));
    await bus.publishMessage('chat:r', { other: true });
    await bus.publishMessage('chat:r', null);
    await bus.publishMessage('chat:r', { text: 'real' });
    expect(seen).toEqual([1]);
  });

  it('releases the bus subscription with its last listener, and starts again from 0', async () => {
    const { bus, fanout } = setUp();
    const first = fanout.subscribe('chat:r', () => undefined);
    const second = fanout.subscribe('chat:r', () => undefined);
    await bus.publishMessage('chat:r', { text: 'x' });
    first.unsubscribe();
    first.unsubscribe(); // idempotent: does not take the other listener's place
    expect(bus.size).toBe(1);
    second.unsubscribe();
    expect(bus.size).toBe(0);
    expect(fanout.subscribe('chat:r', () => undefined).seq).toBe(0);
  });

  it('a listener added while a message is delivered hears the next one; one that throws stops nobody', async () => {
    const { bus, fanout, reported } = setUp();
    const seen: string[] = [];
    fanout.subscribe('chat:r', (m) => {
      seen.push(`first ${m.seq}`);
      if (m.seq === 1) fanout.subscribe('chat:r', (n) => seen.push(`added ${n.seq}`));
      throw new Error('listener failed');
    });
    fanout.subscribe('chat:r', (m) => seen.push(`second ${m.seq}`));
    await bus.publishMessage('chat:r', { text: 'a' });
    await bus.publishMessage('chat:r', { text: 'b' });
    expect(seen).toEqual(['first 1', 'second 1', 'first 2', 'second 2', 'added 2']);
    expect(reported).toHaveLength(2);
    expect(reported[0]).toMatchObject({ message: 'listener failed' });
  });
});

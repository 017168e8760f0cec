import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { puppetJobType } from './helpers/puppet-job-type.js';
import { startTestServer } from './helpers/test-server.js';
import { connect, type Received, type TestClient } from './helpers/ws-client.js';

const CAP = 1024 ** 2;
/** Big enough that the kernel's socket buffers (a few MB on loopback) fill in a few hundred. */
const PAD = 'x'.repeat(32 * 1024);

async function start() {
  const puppet = puppetJobType();
  // A paused client answers no pings: keep the heartbeat out of this test's way.
  const test = await startTestServer(
    { wsHeartbeat: 60_000, wsPublishRate: 100_000, wsMaxBuffered: CAP },
    [puppet.type],
  );
  return { ...test, puppet };
}

/** The server's figures for the first connection (connections are listed in order). */
const firstStats = (test: Awaited<ReturnType<typeof start>>) => test.server.websocket.stats()[0];

const progressEvents = (client: TestClient, topic: string) =>
  client.messages.filter(
    (m) =>
      m.type === 'event' && m.topic === topic && (m.data as { kind: string }).kind === 'progress',
  );

describe('WebSocket backpressure', () => {
  it('conflates job progress for a client that stops reading; it still ends on the true state', async () => {
    const test = await start();
    const { url, puppet } = test;
    const job = await json<Job>(await postJson(`${url}/jobs`, { type: 'puppet', input: {} }));
    const control = await puppet.control(job.id);
    const topic = `job:${job.id}`;
    const slow = await connect(url);
    const healthy = await connect(url);
    for (const c of [slow, healthy]) c.send({ type: 'subscribe', topic, after: 2 });
    await Promise.all([slow, healthy].map((c) => c.waitFor((m) => m.type === 'subscribed')));
    slow.ws.pause(); // stops reading its socket: the server's sends back up

    const updates = 600;
    let peak = 0;
    for (let i = 1; i <= updates; i++) {
      await control.progress((i * 100) / updates, { i, pad: PAD });
      peak = Math.max(peak, firstStats(test)?.bufferedBytes ?? 0);
      await nextTurn(); // let sockets be read between updates, as on a real server
    }
    control.finish({ done: true });
    await healthy.waitFor((m) => m.type === 'unsubscribed');
    expect(firstStats(test)?.peakBufferedBytes).toBeLessThanOrEqual(CAP);
    expect(peak).toBeLessThanOrEqual(CAP);

    slow.ws.resume();
    await slow.waitFor((m) => m.type === 'unsubscribed' && m.reason === 'ended');
    const final = await json<Job>(await fetch(`${url}/jobs/${job.id}`));
    for (const client of [slow, healthy]) {
      const events = client.messages.filter((m) => m.type === 'event');
      const seqs = events.map((m) => m.seq as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(events.at(-1)).toMatchObject({ seq: final.seq, data: { status: 'succeeded' } });
      // Every update is either delivered or counted in the one that replaced it.
      const progress = progressEvents(client, topic);
      const accounted = progress.reduce(
        (n, m) => n + 1 + ((m.conflated as number | undefined) ?? 0),
        0,
      );
      expect(accounted).toBe(updates);
      expect((progress.at(-1)?.data as { data: { i: number } }).data.i).toBe(updates);
    }
    expect(progressEvents(slow, topic).length).toBeLessThan(updates / 2);
    expect(slow.ws.readyState).toBe(slow.ws.OPEN); // conflation kept it under the cap
  });

  it('closes a consumer that falls more than the cap behind with 4008; the others carry on', async () => {
    const test = await start();
    const { url, server } = test;
    const slow = await connect(url);
    const healthy = await connect(url);
    const publisher = await connect(url);
    healthy.send({ type: 'subscribe', topic: 'chat:flood' });
    await healthy.waitFor((m: Received) => m.type === 'subscribed');
    slow.send({ type: 'subscribe', topic: 'chat:flood', name: 'slow' });
    await healthy.waitFor((m: Received) => m.type === 'presence');
    await slow.waitFor((m: Received) => m.type === 'presence');
    slow.ws.pause();

    const messages = 400;
    const pad = 'y'.repeat(32 * 1024);
    let peak = 0;
    for (let i = 1; i <= messages; i += 10) {
      for (let j = i; j < i + 10; j++) {
        publisher.send({ type: 'publish', topic: 'chat:flood', data: { j, pad } });
      }
      // Seq 1 was the join notice: message j is seq j + 1.
      await healthy.waitFor((m) => m.type === 'event' && m.seq === i + 10);
      peak = Math.max(peak, firstStats(test)?.bufferedBytes ?? 0);
    }
    expect(peak).toBeLessThanOrEqual(CAP);
    expect(firstStats(test)?.peakBufferedBytes).toBeLessThanOrEqual(CAP);

    slow.ws.resume(); // it reads what reached it, then the close frame
    expect(await slow.closed).toEqual({ code: 4008, reason: 'slow consumer' });
    const gotBySlow = slow.messages.filter((m) => m.type === 'event').length;
    expect(gotBySlow).toBeLessThan(messages);

    const healthyEvents = healthy.messages.filter((m) => m.type === 'event');
    expect(healthyEvents.map((m) => (m.data as { j: number }).j)).toEqual(
      Array.from({ length: messages }, (_, i) => i + 1),
    );
    publisher.send({ type: 'publish', topic: 'chat:flood', data: 'after' });
    await healthy.waitFor((m) => m.data === 'after');
    await expect.poll(() => server.websocket.connectionCount).toBe(2);
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(after).toMatch(/ws_disconnects_total\{reason="slow_consumer"\} 1/);
  });
});

/**
 * Case 3 — dead peers. WebSocket clients that stop answering pings (in this process), and a
 * client process frozen with SIGSTOP (its kernel still holds the connections, so nothing
 * closes them): each holds a job topic, the `jobs` topic and a named chat membership. What
 * must hold: the server terminates every one within two heartbeat intervals plus a second of
 * its last pong, and everything they held is released — connections, subscriptions, bus
 * listeners, room membership — back to the baseline measured before they came.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { busSubscriptions } from '../helpers/bus-subscriptions.js';
import { json, postJson } from '../helpers/http.js';
import { metricValue } from '../helpers/metrics.js';
import { spawnNode } from '../helpers/spawn-server.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { connect, type TestClient } from '../helpers/ws-client.js';
import { count, figure } from './helpers/figures.js';
import { sized } from './helpers/size.js';
import { tickerJobType } from './helpers/ticker-job-type.js';

const HEARTBEAT = 1000;
const BOUND = 2 * HEARTBEAT + 1000;
const ROUNDS = sized(3, 1);
const PEERS = sized(20, 5);
const PEER_SCRIPT = new URL('./helpers/ws-peer-process.ts', import.meta.url).pathname;

interface Resources {
  connections: number;
  busSubscriptions: number;
  wsSubscriptions: number;
  openWebSockets: number;
}

async function resources({ server, url }: TestServer): Promise<Resources> {
  const kinds = ['job', 'jobs', 'chat'];
  const subscriptions = await Promise.all(
    kinds.map((kind) => metricValue(url, 'ws_subscriptions', { kind })),
  );
  return {
    connections: server.websocket.connectionCount,
    busSubscriptions: busSubscriptions(server.store),
    wsSubscriptions: subscriptions.reduce((a, b) => a + b, 0),
    openWebSockets: await metricValue(url, 'transport_open_connections', {
      transport: 'websocket',
    }),
  };
}

/** Resolves with the time (performance.now) at which the server held `expected` connections. */
async function whenConnections(test: TestServer, expected: number, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (test.server.websocket.connectionCount !== expected) {
    if (performance.now() > deadline) {
      throw new Error(
        `still ${test.server.websocket.connectionCount} connections, wanted ${expected}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now();
}

describe('torture 3: dead peers', () => {
  it(`${ROUNDS} rounds of ${PEERS} clients that stop answering pings and a process of ${PEERS} clients frozen with SIGSTOP: terminated within 2 heartbeats + 1 s, resources back to baseline`, async () => {
    const test = await startTestServer({ wsHeartbeat: HEARTBEAT }, [tickerJobType]);
    const { url } = test;
    const job = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'ticker', input: { events: 100_000, intervalMs: 50 } }),
    );
    const observer = await connect(url);
    observer.send({ type: 'subscribe', topic: 'chat:room', name: 'observer', id: 'in' });
    await observer.waitFor((m) => m.id === 'in');
    const baseline = await resources(test);
    const lifetimes: number[] = [];
    const freezeToDrop: number[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      // Clients that never answer a ping: their last pong is, in effect, their connect.
      const silent: { client: TestClient; connectedAt: number }[] = [];
      for (let i = 0; i < PEERS; i++) {
        const connectedAt = performance.now();
        const client = await connect(url, { autoPong: false });
        client.send({ type: 'subscribe', topic: `job:${job.id}` });
        client.send({ type: 'subscribe', topic: 'jobs' });
        client.send({
          type: 'subscribe',
          topic: 'chat:room',
          name: `silent-${round}-${i}`,
          id: 'in',
        });
        silent.push({ client, connectedAt });
      }
      await Promise.all(silent.map(({ client }) => client.waitFor((m) => m.id === 'in')));
      for (const { client, connectedAt } of silent) {
        const { code } = await client.closed;
        expect(code).toBe(1006); // terminated: no closing handshake with a peer that is gone
        lifetimes.push(performance.now() - connectedAt);
      }
      await whenConnections(test, baseline.connections, 5000);
      expect(await resources(test)).toEqual(baseline);

      // A whole client process frozen: the kernel keeps its sockets open and ACKs the pings.
      const peers = spawnNode(PEER_SCRIPT, [url, String(PEERS), job.id, `frozen-${round}`]);
      if (!peers.child.stdout) throw new Error('no stdout');
      const lines = createInterface({ input: peers.child.stdout });
      await once(lines, 'line');
      await whenConnections(test, baseline.connections + PEERS, 5000);
      process.kill(-peers.pid, 'SIGSTOP');
      const frozenAt = performance.now();
      const droppedAt = await whenConnections(test, baseline.connections, BOUND + 5000);
      freezeToDrop.push(droppedAt - frozenAt);
      process.kill(-peers.pid, 'SIGKILL');
      await peers.exited;
      expect(await resources(test)).toEqual(baseline);
    }
    const leaves = observer.messages.filter(
      (m) => m.type === 'presence' && m.event === 'leave',
    ).length;
    expect(leaves).toBe(2 * ROUNDS * PEERS);
    const lastPresence = observer.messages.filter((m) => m.type === 'presence').at(-1);
    expect(lastPresence).toMatchObject({ event: 'leave', members: 1 });
    const worst = Math.max(...lifetimes, ...freezeToDrop);
    expect(worst).toBeLessThan(BOUND);
    // Not before a whole interval without a pong: a live but briefly busy client is not cut.
    expect(Math.min(...lifetimes)).toBeGreaterThan(0.9 * HEARTBEAT);
    figure(
      `dead peers: ${count(ROUNDS * PEERS)} clients silent to pings and ${count(ROUNDS * PEERS)} ` +
        `in ${ROUNDS} frozen processes, heartbeat ${HEARTBEAT} ms: terminated after at most ` +
        `${Math.round(Math.max(...lifetimes))} ms (silent) and ${Math.round(Math.max(...freezeToDrop))} ms ` +
        `after the freeze (bound ${BOUND} ms); ${leaves} leave notices; connections, ` +
        `subscriptions (${baseline.wsSubscriptions}), bus listeners (${baseline.busSubscriptions}) ` +
        `back to baseline after every round`,
    );
  });
});

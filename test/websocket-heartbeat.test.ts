import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { busSubscriptions } from './helpers/bus-subscriptions.js';
import { startTestServer } from './helpers/test-server.js';
import { connect } from './helpers/ws-client.js';

/** The HTTP status a WebSocket upgrade to /ws is refused with (0: it was accepted). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? -1);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(0);
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

describe('WebSocket heartbeat and shutdown', () => {
  it('terminates a peer that never answers pings within two intervals and frees what it held', async () => {
    const interval = 500;
    const { url, server } = await startTestServer({ wsHeartbeat: interval });
    const store = server.store;
    const baseline = busSubscriptions(store);
    const healthy = await connect(url);
    healthy.send({ type: 'subscribe', topic: 'chat:room', name: 'healthy' });
    await healthy.waitFor((m) => m.type === 'presence' && m.name === 'healthy');

    const connectedAt = performance.now();
    const dead = await connect(url, { autoPong: false });
    dead.send({ type: 'subscribe', topic: 'chat:room', name: 'dead' });
    dead.send({ type: 'subscribe', topic: 'jobs' });
    await dead.waitFor((m) => m.type === 'subscribed' && m.topic === 'jobs');
    // A topic holds one bus subscription however many listen: chat:room's and jobs'.
    expect(busSubscriptions(store)).toBe(baseline + 2);

    const { code } = await dead.closed;
    const lifetime = performance.now() - connectedAt;
    expect(code).toBe(1006); // terminated: no closing handshake with a peer that is gone
    expect(lifetime).toBeGreaterThan(interval); // it had a whole interval to answer
    expect(lifetime).toBeLessThan(2 * interval + 3000); // generous margin for a loaded machine
    const left = await healthy.waitFor((m) => m.type === 'presence' && m.event === 'leave');
    expect(left).toMatchObject({ name: 'dead', members: 1 });
    expect(busSubscriptions(store)).toBe(baseline + 1);
    expect(server.websocket.connectionCount).toBe(1);

    // The healthy peer answered the same pings over the same time, and saw heartbeats.
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
    await healthy.waitFor((m) => m.type === 'heartbeat');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/ws_disconnects_total\{reason="heartbeat_timeout"\} 1/);

    // The room's bus subscription goes with its last listener: the dead peer's is gone too.
    healthy.send({ type: 'unsubscribe', topic: 'chat:room', id: 'bye' });
    await healthy.waitFor((m) => m.type === 'unsubscribed' && m.id === 'bye');
    expect(busSubscriptions(store)).toBe(baseline);
  });

  it('closes once, whoever asks, and refuses upgrades from the moment it begins', async () => {
    const { url, server } = await startTestServer();
    const client = await connect(url);
    expect(server.websocket.state).toBe('running');
    const closing = server.websocket.close();
    expect(server.websocket.state).toBe('closing');
    expect(server.websocket.close(0)).toBe(closing);
    expect(await upgradeStatus(url)).toBe(503);
    await closing;
    expect(server.websocket.state).toBe('closed');
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(await upgradeStatus(url)).toBe(503);
  });

  it('closes every socket with 1001 going away on shutdown, before the store closes', async () => {
    const { url, server } = await startTestServer({ shutdownTimeout: 2000 });
    const clients = await Promise.all([connect(url), connect(url)]);
    for (const c of clients) c.send({ type: 'subscribe', topic: 'jobs', id: 1 });
    await Promise.all(clients.map((c) => c.waitFor((m) => m.type === 'subscribed')));
    let storeOpenWhenReleased: boolean | undefined;
    void server.websocket.close().then(async () => {
      storeOpenWhenReleased = await server.store.ping().then(
        () => true,
        () => false,
      );
    });
    await server.close();
    for (const c of clients) {
      expect(await c.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    }
    expect(storeOpenWhenReleased).toBe(true);
    expect(server.websocket.connectionCount).toBe(0);
  });
});

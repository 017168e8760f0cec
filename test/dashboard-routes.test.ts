/** The dashboard's files at / and its live figures at /stats, without a browser. */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../scripts/build-web.js';
import { createClient } from '../src/client/index.js';
import { readEventStream } from './helpers/sse.js';
import { startInjectedServer, startTestServer } from './helpers/test-server.js';
import { connect } from './helpers/ws-client.js';

beforeAll(async () => {
  await buildDashboard();
});

describe('dashboard routes', () => {
  it('serves the page, its style and its script under a strict Content-Security-Policy', async () => {
    const { url } = await startInjectedServer();
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/dashboard.css', 'text/css'],
      ['/dashboard.js', 'text/javascript'],
    ] as const) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("default-src 'none'; script-src 'self'; style-src 'self'");
      expect(policy).not.toContain('unsafe');
    }
    const html = await (await fetch(url)).text();
    expect(html).not.toMatch(/<script>|<style>|\sstyle=|\son[a-z]+=/);
  });

  it('reports event-loop delay and the connections each transport holds at /stats', async () => {
    const { url } = await startTestServer();
    const client = createClient({ baseUrl: url });
    const idle = await client.stats();
    expect(idle.openConnections).toEqual({ 'long-polling': 0, sse: 0, websocket: 0 });
    expect(idle.eventLoopDelayMs.windowMs).toBeGreaterThan(0);

    // A job that stays `running` at one seq for a minute, so a long poll is held.
    let running = await client.submit('demo', { stepMs: 60_000 });
    for await (const job of client.watch(running, { transport: 'sse' })) {
      running = job;
      if (job.status === 'running') break;
    }
    await readEventStream(`${url}/jobs/${running.id}/events?after=${running.seq}`);
    await connect(url);
    const held = fetch(`${url}/jobs/${running.id}?after=${running.seq}&wait=30`);
    await expect
      .poll(async () => (await client.stats()).openConnections, { timeout: 10_000 })
      .toEqual({ 'long-polling': 1, sse: 1, websocket: 1 });
    await client.cancel(running.id);
    expect((await held).status).toBe(200);
  });
});

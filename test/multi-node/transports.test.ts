/**
 * Every transport in Redis mode, across gateways: a job submitted on gateway A and run by a
 * worker is followed on gateway B by long polling, SSE and WebSocket; an SSE client that moves
 * to gateway A mid-stream resumes from Last-Event-ID with no gap and no duplicate; a chat
 * message published on one gateway reaches a subscriber on the other.
 */
import { describe, expect, it } from 'vitest';
import { isTerminal, type Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { redisAvailable, redisSkipReason } from '../helpers/redis-server.js';
import { redisForSuite } from '../helpers/redis-suite.js';
import { spawnServer, spawnWorker } from '../helpers/spawn-server.js';
import { readEventStream } from '../helpers/sse.js';
import { tempDir } from '../helpers/temp-dir.js';
import { connect, type Received } from '../helpers/ws-client.js';

describe.skipIf(!redisAvailable)('transports across gateways on one Redis', () => {
  const redis = redisForSuite();

  it('follows a job on the other gateway by every transport, and resumes SSE on the first', async () => {
    const common = ['--redis', redis().url, '--data-dir', tempDir()];
    const [a, b] = await Promise.all([
      spawnServer([...common, '--run-jobs', 'false']),
      spawnServer([...common, '--run-jobs', 'false']),
      spawnWorker(common),
    ]);
    const job = await json<Job>(
      await postJson(`${a.url}/jobs`, { type: 'demo', input: { stepMs: 150 } }),
    );
    const all = Array.from({ length: 12 }, (_, i) => i + 1); // queued, started, 9 × progress, succeeded

    // WebSocket on B, from the beginning of the log.
    const ws = await connect(b.url);
    ws.send({ type: 'subscribe', topic: `job:${job.id}`, after: 0 });

    // SSE on B; after a few events the client moves to A with Last-Event-ID.
    const first = await readEventStream(`${b.url}/jobs/${job.id}/events`);
    await expect
      .poll(() => first.parsed().events.length, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(4);
    first.close();
    const seen = first.parsed().events.map((e) => e.id ?? '');
    const second = await readEventStream(`${a.url}/jobs/${job.id}/events`, {
      'last-event-id': seen.at(-1) ?? '0',
    });

    // Long polling on B.
    const polled: number[] = [];
    let after = 0;
    let requests = 0;
    for (;;) {
      const response = await fetch(`${b.url}/jobs/${job.id}?after=${after}&wait=10`);
      requests++;
      const snapshot = await json<Job>(response);
      if (snapshot.seq > after) polled.push(snapshot.seq);
      after = snapshot.seq;
      if (isTerminal(snapshot.status)) break;
    }

    await second.ended;
    const sseSeqs = [...seen, ...second.parsed().events.map((e) => e.id ?? '')].map(Number);
    expect(sseSeqs).toEqual(all);
    expect(second.parsed().events.at(-1)?.event).toBe('succeeded');

    await ws.waitFor((m) => m.type === 'unsubscribed' && m.reason === 'ended', 15_000);
    const wsSeqs = ws.messages
      .filter((m: Received) => m.type === 'event')
      .map((m) => Number(m.seq));
    expect(wsSeqs).toEqual(all);

    expect(polled.at(-1)).toBe(12);
    expect(polled).toEqual([...polled].sort((x, y) => x - y)); // never backwards
    expect(requests).toBeLessThanOrEqual(12 + 1);
  }, 60_000);

  it('delivers a chat message published on one gateway to a subscriber on the other', async () => {
    const common = ['--redis', redis().url, '--data-dir', tempDir(), '--run-jobs', 'false'];
    const [a, b] = await Promise.all([spawnServer(common), spawnServer(common)]);
    const alice = await connect(a.url);
    const bob = await connect(b.url);
    bob.send({ type: 'subscribe', topic: 'chat:lobby', name: 'bob' });
    await bob.waitFor((m) => m.type === 'subscribed');
    alice.send({ type: 'subscribe', topic: 'chat:lobby', name: 'alice' });
    await alice.waitFor((m) => m.type === 'subscribed');
    alice.send({ type: 'publish', topic: 'chat:lobby', data: { text: 'hello from A' } });
    const got = await bob.waitFor((m) => m.type === 'event' && m.topic === 'chat:lobby', 10_000);
    expect(got.data).toEqual({ text: 'hello from A' });
  }, 60_000);
});

// Without the binary the suite above is skipped; this says why in the report.
if (!redisAvailable) it.skip(`transports across gateways: ${redisSkipReason}`, () => undefined);

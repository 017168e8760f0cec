/**
 * `watch(…, { onWire })`: what each transport puts on the wire for one job, entry by entry —
 * the record the dashboard's timeline is drawn from. A job the test moves step by step makes
 * every count exact.
 */
import { describe, expect, it } from 'vitest';
import { createClient, type WireEntry } from '../src/client/index.js';
import { connectionDropper } from './helpers/connection-dropper.js';
import { puppetJobType } from './helpers/puppet-job-type.js';
import { startTestServer } from './helpers/test-server.js';

/** started, three progress steps, succeeded: the changes after the submitted snapshot. */
const CHANGES = 5;

async function watchRecorded(
  transport: 'short-poll' | 'long-poll' | 'sse' | 'websocket',
  drop = false,
) {
  const puppet = puppetJobType();
  const { server, url } = await startTestServer({}, [puppet.type]);
  const dropper = connectionDropper(server);
  const client = createClient({ baseUrl: url, backoff: { initialMs: 20, maxMs: 100 } });
  const job = await client.submit('puppet', {});
  const control = await puppet.control(job.id);
  const entries: WireEntry[] = [];
  const watch = client.watch(job, {
    transport,
    pollIntervalMs: transport === 'short-poll' ? 20 : undefined,
    onWire: (entry) => entries.push(entry),
  });
  const seqs: number[] = [];
  const done = (async () => {
    for await (const snapshot of watch) seqs.push(snapshot.seq);
  })();
  const reached = async (seq: number) => {
    await expect.poll(() => seqs.at(-1) ?? 0).toBeGreaterThanOrEqual(seq);
  };
  // started is seq 2; each step one more. Wait until it was delivered, then move on.
  for (const [step, percent] of [30, 60, 90].entries()) {
    await reached(2 + step);
    if (drop && percent === 60) expect(dropper.dropAll()).toBeGreaterThan(0);
    await control.progress(percent);
  }
  await reached(5);
  control.finish({ answer: 42 });
  await done;
  return { entries, stats: watch.stats };
}

const of = <K extends WireEntry['kind']>(entries: WireEntry[], kind: K) =>
  entries.filter((entry): entry is Extract<WireEntry, { kind: K }> => entry.kind === kind);

describe('the wire log of a watch', () => {
  it('sse: one request, one 200, an event message per change, then the close', async () => {
    const { entries } = await watchRecorded('sse');
    expect(of(entries, 'request')).toHaveLength(1);
    expect(of(entries, 'response').map((r) => r.status)).toEqual([200]);
    const messages = of(entries, 'message');
    const events = messages.filter((m) => m.what === 'event');
    expect(events.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
    for (const event of events) {
      expect(event.bytes).toBeGreaterThan(50);
      expect(event.delayMs).toBeGreaterThanOrEqual(0);
    }
    expect(messages.map((m) => m.what)).toEqual(expect.arrayContaining(['retry', 'heartbeat-ms']));
    expect(of(entries, 'closed')).toHaveLength(1);
    expect(new Set(entries.map((e) => e.exchange))).toEqual(new Set([1]));
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort((a, b) => a - b));
  });

  it('websocket: one upgrade (101), a welcome, an event message per change', async () => {
    const { entries } = await watchRecorded('websocket');
    expect(of(entries, 'request').map((r) => r.path)).toEqual(['/ws']);
    expect(of(entries, 'response').map((r) => r.status)).toEqual([101]);
    const messages = of(entries, 'message');
    expect(messages[0]?.what).toBe('welcome');
    expect(messages.filter((m) => m.what === 'event').map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
  });

  it('long-poll: one held request per change, each answered with news', async () => {
    const { entries, stats } = await watchRecorded('long-poll');
    const responses = of(entries, 'response');
    expect(of(entries, 'request')).toHaveLength(stats.requests);
    expect(responses).toHaveLength(stats.requests);
    expect(responses.every((r) => r.status === 200 && r.news)).toBe(true);
    expect(responses.length).toBeLessThanOrEqual(CHANGES);
    expect(responses.at(-1)?.seq).toBe(6);
  });

  it('short-poll: every request answered, the ones without news are 304s with Retry-After', async () => {
    const { entries, stats } = await watchRecorded('short-poll');
    const responses = of(entries, 'response');
    expect(responses).toHaveLength(stats.requests);
    const empty = responses.filter((r) => !r.news);
    expect(empty.length).toBe(stats.requests - stats.updates);
    expect(empty.length).toBeGreaterThan(0);
    expect(empty.every((r) => r.status === 304 && r.bytes === 0 && r.retryAfterS === 2)).toBe(true);
  });

  it.each(['sse', 'websocket'] as const)(
    '%s: a cut connection is a close, then a new request that picks up from the seq it had',
    async (transport) => {
      const { entries } = await watchRecorded(transport, true);
      const requests = of(entries, 'request');
      expect(requests.length).toBeGreaterThanOrEqual(2);
      const first = requests[0]?.exchange ?? 0;
      const cut = of(entries, 'closed').find((c) => c.exchange === first);
      expect(cut).toBeDefined();
      const events = of(entries, 'message').filter((m) => m.what === 'event');
      expect(events.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
    },
  );
});

import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { puppetJobType } from './helpers/puppet-job-type.js';
import { busSubscriptions } from './helpers/bus-subscriptions.js';
import { startTestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';
import { connect, type Received, type TestClient } from './helpers/ws-client.js';

async function start() {
  const puppet = puppetJobType();
  const test = await startTestServer({}, [puppet.type]);
  const submit = async (type = 'puppet', input: unknown = {}) =>
    json<Job>(await postJson(`${test.url}/jobs`, { type, input }));
  return { ...test, puppet, submit, store: test.server.store };
}

const onTopic = (client: TestClient, topic: string) =>
  client.messages.filter((m) => m.topic === topic && m.type !== 'subscribed');
const seqsOf = (messages: Received[]) => messages.map((m) => `${m.type}@${String(m.seq)}`);
const ended = (topic: string) => (m: Received) =>
  m.type === 'unsubscribed' && m.topic === topic && m.reason === 'ended';

describe('WebSocket job topics', () => {
  it('sends a snapshot, then live events until the terminal one, then ends the subscription', async () => {
    const { url, puppet, submit } = await start();
    const job = await submit();
    const control = await puppet.control(job.id);
    const client = await connect(url);
    const topic = `job:${job.id}`;
    client.send({ type: 'subscribe', topic, id: 'w' });
    await client.waitFor((m) => m.type === 'snapshot');
    await control.progress(10);
    await control.progress(20, { step: 2 });
    control.finish({ ok: true });
    await client.waitFor(ended(topic));
    const got = onTopic(client, topic);
    expect(seqsOf(got)).toEqual([
      'snapshot@2',
      'event@3',
      'event@4',
      'event@5',
      'unsubscribed@undefined',
    ]);
    expect(got[0]).toMatchObject({ job: { id: job.id, status: 'running', seq: 2 } });
    expect(got[2]).toMatchObject({ data: { kind: 'progress', progress: 20, data: { step: 2 } } });
    expect(got[3]).toMatchObject({ data: { kind: 'succeeded', status: 'succeeded' } });
    expect(client.messages.find((m) => m.type === 'subscribed')).toMatchObject({ topic, id: 'w' });
  });

  it('resumes after a disconnect from `after`: no gap, no duplicate, while changes race it', async () => {
    const { url, puppet, submit } = await start();
    const job = await submit();
    const control = await puppet.control(job.id);
    const topic = `job:${job.id}`;
    const first = await connect(url);
    first.send({ type: 'subscribe', topic, after: 0 });
    await control.progress(1);
    await first.waitFor((m) => m.type === 'event' && m.seq === 3);
    first.ws.terminate();
    await first.closed;
    const seen = onTopic(first, topic).map((m) => m.seq as number);

    for (let p = 2; p <= 10; p++) await control.progress(p);
    // Changes keep coming while the client reconnects and replays.
    const racing = (async () => {
      for (let p = 11; p <= 40; p++) await control.progress(p);
      control.finish();
    })();
    const second = await connect(url);
    second.send({ type: 'subscribe', topic, after: seen.at(-1) });
    await racing;
    await second.waitFor(ended(topic));
    const resumed = onTopic(second, topic).filter((m) => m.type === 'event');
    const all = [...seen, ...resumed.map((m) => m.seq as number)];
    expect(all).toEqual(Array.from({ length: 43 }, (_, i) => i + 1)); // queued, started, 40 progress, succeeded
    expect(resumed.at(-1)).toMatchObject({ data: { status: 'succeeded' } });
  });

  it('sends a reset with the snapshot when the history asked for is gone, then continues', async () => {
    const { url, puppet, submit, dataDir } = await start();
    const job = await submit();
    const control = await puppet.control(job.id);
    for (let p = 10; p <= 30; p += 10) await control.progress(p);
    // Another process trims the log (as retention of old events would): seq 1–3 are gone.
    const db = new BetterSqlite3(join(dataDir, 'jobs.db'));
    db.prepare(
      'DELETE FROM job_events WHERE job_n = (SELECT n FROM jobs WHERE id = ?) AND seq <= 3',
    ).run(job.id);
    db.close();

    const client = await connect(url);
    const topic = `job:${job.id}`;
    client.send({ type: 'subscribe', topic, after: 1 });
    const reset = await client.waitFor((m) => m.type === 'reset');
    expect(reset).toMatchObject({ seq: 5, job: { id: job.id, progress: 30, seq: 5 } });
    await control.progress(40);
    await client.waitFor((m) => m.type === 'event' && m.seq === 6);
    expect(seqsOf(onTopic(client, topic))).toEqual(['reset@5', 'event@6']);

    // A seq the job never reached (say, from another server) also resets, never waits forever.
    const ahead = await connect(url);
    ahead.send({ type: 'subscribe', topic, after: 999 });
    expect(await ahead.waitFor((m) => m.type === 'reset')).toMatchObject({ seq: 6 });
  });

  it('delivers a finished job’s final state at once', async () => {
    const { url, store, submit, server } = await start();
    const job = await submit('demo', { stepMs: 10 });
    await waitForJob(store, job.id, isFinished);
    // The runner lets go of the job's topic once its last write settled.
    await expect.poll(() => server.runner?.activeCount).toBe(0);
    const baseline = busSubscriptions(store); // the server's own (metrics, runner)
    const topic = `job:${job.id}`;
    const snapshot = await connect(url);
    snapshot.send({ type: 'subscribe', topic });
    await snapshot.waitFor(ended(topic));
    expect(onTopic(snapshot, topic)[0]).toMatchObject({
      type: 'snapshot',
      job: { status: 'succeeded', progress: 100 },
    });
    const replay = await connect(url);
    replay.send({ type: 'subscribe', topic, after: 10 });
    await replay.waitFor(ended(topic));
    expect(seqsOf(onTopic(replay, topic))).toEqual([
      'event@11',
      'event@12',
      'unsubscribed@undefined',
    ]);
    const upToDate = await connect(url);
    upToDate.send({ type: 'subscribe', topic, after: 12 });
    await upToDate.waitFor(ended(topic));
    expect(seqsOf(onTopic(upToDate, topic))).toEqual(['unsubscribed@undefined']);
    expect(busSubscriptions(store)).toBe(baseline); // ended subscriptions are released
  });

  it('streams every job’s lifecycle on `jobs`, and answers an unknown job with job_not_found', async () => {
    const { url, submit } = await start();
    const client = await connect(url);
    client.send({ type: 'subscribe', topic: 'jobs', id: 1 });
    await client.waitFor((m) => m.type === 'subscribed');
    const job = await submit('demo', { stepMs: 10 });
    await client.waitFor((m) => m.type === 'event' && (m.data as Job).status === 'succeeded');
    const kinds = onTopic(client, 'jobs').map((m) => (m.data as { kind: string }).kind);
    expect(kinds[0]).toBe('queued');
    expect(kinds.at(-1)).toBe('succeeded');
    expect(kinds.filter((k) => k === 'progress')).toHaveLength(9);
    expect(
      onTopic(client, 'jobs').every((m) => (m.data as Job & { jobId: string }).jobId === job.id),
    ).toBe(true);

    const missing = 'job:00000000-0000-4000-8000-000000000000';
    client.send({ type: 'subscribe', topic: missing, id: 2 });
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({
      code: 'job_not_found',
      topic: missing,
      id: 2,
    });
  });
});

import { EventSource } from 'eventsource';
import { describe, expect, it } from 'vitest';
import type { Job, JobEvent } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { readEventStream, type ParsedEvent } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { isFinished, waitForJob } from './helpers/wait-for-job.js';

const KINDS = ['queued', 'started', 'progress', 'succeeded', 'failed', 'canceled', 'requeued'];

async function submit(t: TestServer, stepMs: number): Promise<Job> {
  return json<Job>(await postJson(`${t.url}/jobs`, { type: 'demo', input: { stepMs } }));
}

async function finishedJob(t: TestServer): Promise<Job> {
  const job = await submit(t, 10);
  return waitForJob(t.server.store, job.id, isFinished);
}

async function idleRunningJob(t: TestServer): Promise<Job> {
  const job = await submit(t, 60_000);
  return waitForJob(t.server.store, job.id, (j) => j.status === 'running');
}

const seqsOf = (events: ParsedEvent[]) =>
  events.map((e) => (JSON.parse(e.data) as JobEvent | Job).seq);

describe('server-sent events: one job', () => {
  it('frames every event with id, event and data after a retry hint and the heartbeat interval, then ends after the terminal event', async () => {
    const t = await startTestServer({ sseRetry: 1500, sseHeartbeat: 4000 });
    const job = await finishedJob(t);
    const stream = await readEventStream(`${t.url}/jobs/${job.id}/events`);
    await stream.ended;

    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-store');
    expect(stream.text().startsWith('retry: 1500\n\n: heartbeat-ms 4000\n\nid: 1\n')).toBe(true);
    expect(stream.parsed().retry).toBe(1500);
    const { events } = stream.parsed();
    expect(events.map((e) => e.id)).toEqual(
      Array.from({ length: job.seq }, (_, i) => String(i + 1)),
    );
    expect(events.map((e) => e.event)).toEqual([
      'queued',
      'started',
      ...Array<string>(9).fill('progress'),
      'succeeded',
    ]);
    for (const event of events) {
      const data = JSON.parse(event.data) as JobEvent;
      expect(data).toMatchObject({ jobId: job.id, seq: Number(event.id), kind: event.event });
    }
    const block = /\n\nid: 12\nevent: succeeded\ndata: (\{.*\})\n\n$/.exec(stream.text());
    expect(JSON.parse(block?.[1] ?? 'null')).toMatchObject({ data: { result: { steps: 10 } } });
  });

  it('streams live events as they happen and sends heartbeat comments while idle, past --request-timeout', async () => {
    // The request timeout bounds sending a request, not a response the server keeps open.
    const t = await startTestServer({
      sseHeartbeat: 150,
      requestTimeout: 1000,
      headersTimeout: 1000,
    });
    const job = await idleRunningJob(t);
    const stream = await readEventStream(`${t.url}/jobs/${job.id}/events`);
    await expect.poll(() => stream.parsed().events.length).toBe(2);
    // 15 heartbeats: over 2 s, two of Node's once-a-second timeout checks.
    await expect.poll(() => stream.parsed().comments.length, { timeout: 8000 }).toBeGreaterThan(15);
    const [announced, ...beats] = stream.parsed().comments;
    expect(announced).toBe('heartbeat-ms 150');
    expect(new Set(beats)).toEqual(new Set(['heartbeat']));

    await t.server.store.update(job.id, { kind: 'progress', progress: 30 });
    await expect.poll(() => stream.parsed().events.at(-1)?.id).toBe('3');
    await t.server.engine.cancel(job.id);
    await stream.ended;
    expect(stream.parsed().events.map((e) => e.event)).toEqual([
      'queued',
      'started',
      'progress',
      'canceled',
    ]);
  });

  it('resumes after Last-Event-ID or ?after= with exactly the missing events; 204 once all were seen', async () => {
    const t = await startTestServer();
    const job = await finishedJob(t);
    const url = `${t.url}/jobs/${job.id}/events`;
    const byHeader = await readEventStream(url, { 'last-event-id': '5' });
    const byQuery = await readEventStream(`${url}?after=5`);
    await Promise.all([byHeader.ended, byQuery.ended]);
    const rest = Array.from({ length: job.seq - 5 }, (_, i) => i + 6);
    expect(seqsOf(byHeader.parsed().events)).toEqual(rest);
    expect(seqsOf(byQuery.parsed().events)).toEqual(rest);

    const done = await fetch(url, { headers: { 'last-event-id': String(job.seq) } });
    expect(done.status).toBe(204);
    expect(await done.text()).toBe('');
  });

  it('sends a reset with the snapshot when the client is past what the log holds', async () => {
    const t = await startTestServer();
    const job = await finishedJob(t);
    const stream = await readEventStream(`${t.url}/jobs/${job.id}/events`, {
      'last-event-id': String(job.seq + 3),
    });
    await stream.ended;
    const [reset, ...others] = stream.parsed().events;
    expect(others).toEqual([]);
    expect(reset).toMatchObject({ id: String(job.seq), event: 'reset' });
    expect(JSON.parse(reset?.data ?? '{}')).toMatchObject({ id: job.id, status: 'succeeded' });
  });

  it('works with the eventsource client: every event once, then 204 stops its reconnects', async () => {
    const t = await startTestServer({ sseRetry: 100 });
    const job = await submit(t, 20);
    const source = new EventSource(`${t.url}/jobs/${job.id}/events`);
    const seqs: number[] = [];
    const errors: (number | undefined)[] = [];
    for (const kind of KINDS) {
      source.addEventListener(kind, (message) => {
        seqs.push((JSON.parse(message.data as string) as JobEvent).seq);
      });
    }
    source.addEventListener('error', (error) => errors.push(error.code));
    await expect.poll(() => source.readyState, { timeout: 10_000 }).toBe(EventSource.CLOSED);
    const final = await t.server.engine.get(job.id);
    expect(seqs).toEqual(Array.from({ length: final.seq }, (_, i) => i + 1));
    expect(errors.at(-1)).toBe(204);
  });

  it('answers HEAD with the stream headers and nothing held open', async () => {
    const t = await startTestServer();
    const job = await idleRunningJob(t);
    const head = await fetch(`${t.url}/jobs/${job.id}/events`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await head.text()).toBe('');
  });

  it('ends open streams at shutdown so the server can close', async () => {
    const t = await startTestServer();
    const job = await idleRunningJob(t);
    const stream = await readEventStream(`${t.url}/jobs/${job.id}/events`);
    await expect.poll(() => stream.parsed().events.length).toBe(2);
    const closing = performance.now();
    await t.server.close();
    await stream.ended;
    expect(stream.parsed().comments).toContain('server shutting down; reconnect to resume');
    expect(performance.now() - closing).toBeLessThan(10_000);
  });
});

describe('server-sent events: several jobs on one stream', () => {
  it('multiplexes jobs with jobId:seq ids that carry every position, and resumes from any of them', async () => {
    const t = await startTestServer();
    const jobs = await Promise.all([finishedJob(t), finishedJob(t), finishedJob(t)]);
    const url = `${t.url}/events?jobs=${jobs.map((j) => j.id).join(',')}`;
    const full = await readEventStream(url);
    await full.ended;
    const events = full.parsed().events;
    for (const job of jobs) {
      const own = events.filter((e) => e.id?.startsWith(`${job.id}:`));
      expect(seqsOf(own)).toEqual(Array.from({ length: job.seq }, (_, i) => i + 1));
    }
    const [a, b] = jobs;
    const middle = events.findIndex((e) => e.id?.startsWith(`${b.id}:4,`));
    expect(events[middle]?.id).toBe(`${b.id}:4,${a.id}:${a.seq}`);

    // Reconnect from the middle: only what came after that id, nothing twice.
    const resumed = await readEventStream(url, { 'last-event-id': events[middle]?.id ?? '' });
    await resumed.ended;
    const key = (e: ParsedEvent) => e.id?.split(',')[0];
    expect(resumed.parsed().events.map(key)).toEqual(events.slice(middle + 1).map(key));

    const last = events.at(-1)?.id ?? '';
    const done = await fetch(url, { headers: { 'last-event-id': last } });
    expect(done.status).toBe(204);
  });

  it('adds every job’s events with topics=jobs, without repeating the jobs it follows', async () => {
    const t = await startTestServer();
    const followed = await idleRunningJob(t);
    const stream = await readEventStream(`${t.url}/events?jobs=${followed.id}&topics=jobs`);
    await expect.poll(() => stream.parsed().events.length).toBe(2);
    const other = await submit(t, 60_000);
    await t.server.store.update(followed.id, { kind: 'progress', progress: 5 });
    await t.server.engine.cancel(other.id);

    await expect.poll(() => stream.parsed().events.some((e) => e.event === 'canceled')).toBe(true);
    const ids = stream.parsed().events.map((e) => e.id);
    expect(ids).toContain(`${other.id}:1,${followed.id}:2`);
    expect(ids).toContain(`${followed.id}:3`);
    expect(ids.filter((id) => id?.startsWith(`${followed.id}:3`))).toHaveLength(1);
  });

  it('works with the eventsource client across several jobs', async () => {
    const t = await startTestServer({ sseRetry: 100 });
    const jobs = await Promise.all([submit(t, 20), submit(t, 30), submit(t, 15)]);
    const source = new EventSource(`${t.url}/events?jobs=${jobs.map((j) => j.id).join(',')}`);
    const seen = new Map<string, number[]>();
    for (const kind of KINDS) {
      source.addEventListener(kind, (message) => {
        const event = JSON.parse(message.data as string) as JobEvent;
        expect(message.lastEventId.startsWith(`${event.jobId}:${event.seq}`)).toBe(true);
        seen.set(event.jobId, [...(seen.get(event.jobId) ?? []), event.seq]);
      });
    }
    await expect.poll(() => source.readyState, { timeout: 10_000 }).toBe(EventSource.CLOSED);
    for (const job of jobs) {
      const final = await t.server.engine.get(job.id);
      expect(seen.get(job.id)).toEqual(Array.from({ length: final.seq }, (_, i) => i + 1));
    }
  });

  it.each([
    ['a bad job id', '/events?jobs=nope', {}, 400, 'invalid_job_id'],
    ['too many jobs', `/events?jobs=${manyIds(21)}`, {}, 400, 'too_many_jobs'],
    ['neither jobs nor topics', '/events', {}, 400, 'invalid_request'],
    ['an unknown topic', '/events?topics=chat', {}, 400, 'invalid_request'],
    [
      'a bad Last-Event-ID',
      '/events?topics=jobs',
      { 'last-event-id': 'x:1' },
      400,
      'invalid_event_id',
    ],
    ['a bad ?after=', `/events?jobs=${manyIds(1)}&after=7`, {}, 400, 'invalid_event_id'],
    [
      'a bad single-job Last-Event-ID',
      `/jobs/${manyIds(1)}/events`,
      { 'last-event-id': '-1' },
      400,
      'invalid_event_id',
    ],
    ['an unknown job', `/events?jobs=${manyIds(1)}`, {}, 404, 'job_not_found'],
    ['an unknown single job', `/jobs/${manyIds(1)}/events`, {}, 404, 'job_not_found'],
  ])('rejects %s with a problem document', async (_name, path, headers, status, code) => {
    const t = await startTestServer();
    const response = await fetch(`${t.url}${path}`, { headers });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await json(response)).toMatchObject({ code, status });
  });
});

function manyIds(count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  ).join(',');
}

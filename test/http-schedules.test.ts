/**
 * Recurring schedules over HTTP (src/http/routes/schedules.ts) through app.inject: create with
 * every check at create time, list, read, pause, resume, delete, per-owner visibility; and the
 * ticks, driven on a fake clock by hand (one per tick, missed ticks run once) and once on real
 * time with a per-second expression.
 */
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { JobEngine } from '../src/jobs/engine.js';
import { JobTypeRegistry } from '../src/jobs/registry.js';
import { builtInJobTypes } from '../src/jobs/types/built-in.js';
import type { Job } from '../src/model/job.js';
import type { Schedule, SchedulePage } from '../src/model/schedule.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { checkedInject } from './helpers/contract/checked-inject.js';
import { startInjectedServer } from './helpers/test-server.js';
import { tempDir } from './helpers/temp-dir.js';

const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-01234567890';

/** A server's app, its answers checked against the OpenAPI document. */
async function app(options: Parameters<typeof startInjectedServer>[0] = {}) {
  const { server } = await startInjectedServer(options);
  return { inject: checkedInject(server.app) };
}

const auth = (key?: string) => (key ? { authorization: `Bearer ${key}` } : {});

describe('/schedules', () => {
  it('creates, reads, lists, pauses, resumes and deletes a schedule', async () => {
    const a = await app();
    const created = await a.inject({
      method: 'POST',
      url: '/schedules',
      payload: {
        cron: '0 9 * * 1-5',
        timezone: 'Europe/Berlin',
        type: 'demo',
        input: { stepMs: 10 },
        attempts: 3,
        priority: 4,
      },
    });
    expect(created.statusCode).toBe(201);
    const schedule = created.json<Schedule>();
    expect(created.headers.location).toBe(`/schedules/${schedule.id}`);
    expect(schedule).toMatchObject({
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      type: 'demo',
      attempts: 3,
      priority: 4,
      paused: false,
    });
    // 9:00 in Berlin is 7:00 or 8:00 UTC, on a weekday, in the future.
    const next = new Date(schedule.nextRunAt ?? '');
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect([7, 8]).toContain(next.getUTCHours());
    expect(next.getUTCMinutes()).toBe(0);
    expect([1, 2, 3, 4, 5]).toContain(next.getUTCDay());

    const read = await a.inject({ method: 'GET', url: `/schedules/${schedule.id}` });
    expect(read.json()).toEqual(schedule);
    const list = await a.inject({ method: 'GET', url: '/schedules' });
    expect(list.json<SchedulePage>()).toEqual({ schedules: [schedule], nextCursor: null });

    const paused = await a.inject({ method: 'POST', url: `/schedules/${schedule.id}/pause` });
    expect(paused.statusCode).toBe(200);
    expect(paused.json<Schedule>()).toMatchObject({ paused: true });
    expect(paused.json<Schedule>().nextRunAt).toBeUndefined();
    const resumed = await a.inject({ method: 'POST', url: `/schedules/${schedule.id}/resume` });
    expect(resumed.json<Schedule>()).toMatchObject({
      paused: false,
      nextRunAt: schedule.nextRunAt,
    });

    const deleted = await a.inject({ method: 'DELETE', url: `/schedules/${schedule.id}` });
    expect(deleted.statusCode).toBe(204);
    const gone = await a.inject({ method: 'GET', url: `/schedules/${schedule.id}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ code: 'schedule_not_found' });
  });

  it.each([
    [{ cron: 'every day', type: 'demo' }, 'invalid_cron'],
    [{ cron: '* * * * *', timezone: 'Mars/Olympus', type: 'demo' }, 'invalid_timezone'],
    [{ cron: '* * * * *', type: 'nope' }, 'unknown_job_type'],
    [{ cron: '* * * * *', type: 'demo', input: { stepMs: 'slow' } }, 'invalid_input'],
    [{ cron: '* * * * *', type: 'demo', priority: 5000 }, 'invalid_request'],
  ])('refuses %j with 400 %s', async (payload, code) => {
    const a = await app();
    const reply = await a.inject({ method: 'POST', url: '/schedules', payload });
    expect(reply.statusCode).toBe(400);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reply.json()).toMatchObject({ code, status: 400 });
    expect((await a.inject({ method: 'GET', url: '/schedules' })).json()).toEqual({
      schedules: [],
      nextCursor: null,
    });
  });

  it("shows an owner's schedules to that owner only: another's is a missing one", async () => {
    const a = await app({ apiKeys: `alice:${ALICE},bob:${BOB}` });
    const created = await a.inject({
      method: 'POST',
      url: '/schedules',
      headers: auth(ALICE),
      payload: { cron: '* * * * *', type: 'demo' },
    });
    const { id } = created.json<Schedule>();
    expect(created.json<Schedule>().owner).toBe('alice');
    for (const [method, url] of [
      ['GET', `/schedules/${id}`],
      ['POST', `/schedules/${id}/pause`],
      ['POST', `/schedules/${id}/resume`],
      ['DELETE', `/schedules/${id}`],
    ] as const) {
      const reply = await a.inject({ method, url, headers: auth(BOB) });
      expect(reply.statusCode).toBe(404);
      expect(reply.json()).toMatchObject({ code: 'schedule_not_found' });
    }
    const bobs = await a.inject({ method: 'GET', url: '/schedules', headers: auth(BOB) });
    expect(bobs.json<SchedulePage>().schedules).toEqual([]);
    const alices = await a.inject({ method: 'GET', url: '/schedules', headers: auth(ALICE) });
    expect(alices.json<SchedulePage>().schedules.map((s) => s.id)).toEqual([id]);
  });
});

describe('schedule ticks', () => {
  function engineOn(path: string, clock: { now: number }) {
    const store = new SqliteStore({ path, clock: () => clock.now });
    const registry = new JobTypeRegistry(builtInJobTypes(tempDir()));
    const engine = new JobEngine(store, registry, undefined, undefined, () => clock.now);
    onTestFinished(async () => {
      await engine.scheduleTicker.close();
      await store.close();
    });
    return { store, engine };
  }

  it('creates one job per tick, none before it, each with the queue options', async () => {
    const clock = { now: Date.parse('2030-01-01T10:00:30.000Z') };
    const { engine } = engineOn(':memory:', clock);
    const schedule = await engine.schedules.create({
      cron: '* * * * *',
      type: 'demo',
      input: { stepMs: 10 },
      priority: 9,
    });
    expect(schedule.nextRunAt).toBe('2030-01-01T10:01:00.000Z');
    await engine.scheduleTicker.tick();
    expect((await engine.list({ limit: 10 })).jobs).toHaveLength(0);
    for (const minute of ['01', '02', '03']) {
      clock.now = Date.parse(`2030-01-01T10:${minute}:00.000Z`);
      await engine.scheduleTicker.tick();
      await engine.scheduleTicker.tick(); // a second pass at the same time adds nothing
    }
    const jobs = (await engine.list({ limit: 10 })).jobs;
    expect(jobs).toHaveLength(3);
    expect(jobs.every((j: Job) => j.priority === 9 && j.type === 'demo')).toBe(true);
    expect(await engine.schedules.get(schedule.id)).toMatchObject({
      nextRunAt: '2030-01-01T10:04:00.000Z',
      lastRunAt: '2030-01-01T10:03:00.000Z',
      lastJobId: jobs[0]?.id,
    });
  });

  it('after a restart, runs the ticks missed while down once and continues from now', async () => {
    const path = join(tempDir(), 'jobs.db');
    const clock = { now: Date.parse('2030-01-01T10:00:30.000Z') };
    const first = engineOn(path, clock);
    const { id } = await first.engine.schedules.create({ cron: '* * * * *', type: 'demo' });
    clock.now = Date.parse('2030-01-01T10:01:00.000Z');
    await first.engine.scheduleTicker.tick();
    await first.engine.scheduleTicker.close();
    await first.store.close();

    // Down for ten minutes: ten ticks missed.
    clock.now = Date.parse('2030-01-01T10:11:20.000Z');
    const second = engineOn(path, clock);
    await second.engine.scheduleTicker.tick();
    await second.engine.scheduleTicker.tick();
    const jobs = (await second.engine.list({ limit: 50 })).jobs;
    expect(jobs).toHaveLength(2); // the 10:01 tick, and one catch-up run
    expect(await second.engine.schedules.get(id)).toMatchObject({
      lastRunAt: '2030-01-01T10:02:00.000Z',
      nextRunAt: '2030-01-01T10:12:00.000Z',
    });
  });

  it('skips the ticks of a pause: resuming ticks from the first one after now', async () => {
    const clock = { now: Date.parse('2030-01-01T10:00:30.000Z') };
    const { engine } = engineOn(':memory:', clock);
    const { id } = await engine.schedules.create({ cron: '* * * * *', type: 'demo' });
    await engine.schedules.pause(id);
    clock.now = Date.parse('2030-01-01T10:05:10.000Z');
    await engine.scheduleTicker.tick();
    const resumed = await engine.schedules.resume(id);
    expect(resumed.nextRunAt).toBe('2030-01-01T10:06:00.000Z');
    await engine.scheduleTicker.tick();
    expect((await engine.list({ limit: 10 })).jobs).toHaveLength(0);
  });

  it('fires a per-second schedule on real time, and the jobs run', async () => {
    const a = await app();
    const created = await a.inject({
      method: 'POST',
      url: '/schedules',
      payload: { cron: '* * * * * *', type: 'demo', input: { stepMs: 10 } },
    });
    expect(created.statusCode).toBe(201);
    const jobs = async () =>
      (await a.inject({ method: 'GET', url: '/jobs?status=succeeded' })).json<{
        jobs: Job[];
      }>().jobs;
    // Generous bounds on a shared machine: three runs within fifteen seconds.
    await expect
      .poll(async () => (await jobs()).length, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(3);
    const ticks = new Set((await jobs()).map((j) => j.createdAt.slice(0, 19)));
    expect(ticks.size).toBe((await jobs()).length); // never two jobs in one second
  });
});

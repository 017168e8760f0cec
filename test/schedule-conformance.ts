/**
 * Schedules every Store must keep (src/store/schedules.ts), run by each store's test file.
 * Ticks are fired with explicit times, as the ticker does with the deployment's clock, so no
 * test waits for a tick.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { tickKey, type NewSchedule, type ScheduleTick } from '../src/store/schedules.js';
import type { Store } from '../src/store/store.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const MINUTE = 60_000;

function newSchedule(overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    cron: '* * * * *',
    timezone: 'UTC',
    type: 't',
    input: { n: 1 },
    priority: 5,
    nextRunAt: T0,
    ...overrides,
  };
}

function tickOf(scheduleId: string, tick: number, next: number | undefined): ScheduleTick {
  return {
    scheduleId,
    tick,
    next,
    job: { type: 't', input: { n: 1 }, priority: 5, idempotencyKey: tickKey(scheduleId, tick) },
  };
}

export function scheduleConformance(name: string, makeStore: () => Promise<Store> | Store): void {
  describe(`${name} schedules`, () => {
    async function fresh(): Promise<Store> {
      const store = await makeStore();
      onTestFinished(() => store.close());
      return store;
    }

    it('stores a schedule and reads it back', async () => {
      const { schedules } = await fresh();
      const created = await schedules.createSchedule(newSchedule({ owner: 'alice' }));
      expect(created).toMatchObject({
        cron: '* * * * *',
        timezone: 'UTC',
        type: 't',
        input: { n: 1 },
        priority: 5,
        owner: 'alice',
        paused: false,
        nextRunAt: new Date(T0).toISOString(),
      });
      expect(created.lastRunAt).toBeUndefined();
      expect(await schedules.getSchedule(created.id)).toEqual(created);
      expect(await schedules.getSchedule('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    });

    it('fires a due tick once: one job, the schedule moved on, a second fire is stale', async () => {
      const store = await fresh();
      const { id } = await store.schedules.createSchedule(newSchedule());
      expect(await store.schedules.dueSchedules(T0 - 1, 10)).toEqual([]);
      const due = await store.schedules.dueSchedules(T0, 10);
      expect(due.map((s) => s.id)).toEqual([id]);
      const first = await store.schedules.fireSchedule(tickOf(id, T0, T0 + MINUTE));
      expect(first.outcome).toBe('fired');
      const again = await store.schedules.fireSchedule(tickOf(id, T0, T0 + MINUTE));
      expect(again).toEqual({ outcome: 'stale' });
      const page = await store.list({ limit: 10 });
      expect(page.jobs).toHaveLength(1);
      expect(page.jobs[0]).toMatchObject({ type: 't', input: { n: 1 }, priority: 5 });
      const after = await store.schedules.getSchedule(id);
      expect(after).toMatchObject({
        nextRunAt: new Date(T0 + MINUTE).toISOString(),
        lastRunAt: new Date(T0).toISOString(),
        lastJobId: first.outcome === 'fired' ? first.job.id : '',
      });
      expect(await store.schedules.dueSchedules(T0 + MINUTE - 1, 10)).toEqual([]);
    });

    it('fires a tick concurrently from many callers into exactly one job', async () => {
      const store = await fresh();
      const { id } = await store.schedules.createSchedule(newSchedule());
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => store.schedules.fireSchedule(tickOf(id, T0, T0 + MINUTE))),
      );
      expect(outcomes.filter((o) => o.outcome === 'fired')).toHaveLength(1);
      expect((await store.list({ limit: 10 })).jobs).toHaveLength(1);
    });

    it('finds the job of a tick whose job was created but whose move was not made', async () => {
      const store = await fresh();
      const { id } = await store.schedules.createSchedule(newSchedule());
      // A gateway died after creating the job: the job exists under the tick's key.
      const orphan = await store.create(tickOf(id, T0, undefined).job);
      const fired = await store.schedules.fireSchedule(tickOf(id, T0, T0 + MINUTE));
      expect(fired).toEqual({ outcome: 'fired', job: orphan.job });
      expect((await store.list({ limit: 10 })).jobs).toHaveLength(1);
    });

    it('pauses (no tick due, firing is stale) and resumes at the time given', async () => {
      const store = await fresh();
      const { id } = await store.schedules.createSchedule(newSchedule());
      const paused = await store.schedules.setSchedulePaused(id, true, undefined);
      expect(paused).toMatchObject({ paused: true });
      expect(paused?.nextRunAt).toBeUndefined();
      expect(await store.schedules.dueSchedules(T0 + MINUTE, 10)).toEqual([]);
      expect(await store.schedules.fireSchedule(tickOf(id, T0, T0 + MINUTE))).toEqual({
        outcome: 'stale',
      });
      const resumed = await store.schedules.setSchedulePaused(id, false, T0 + 5 * MINUTE);
      expect(resumed).toMatchObject({
        paused: false,
        nextRunAt: new Date(T0 + 5 * MINUTE).toISOString(),
      });
      expect((await store.schedules.dueSchedules(T0 + 5 * MINUTE, 10)).map((s) => s.id)).toEqual([
        id,
      ]);
      expect(
        await store.schedules.setSchedulePaused(
          '00000000-0000-4000-8000-000000000000',
          true,
          undefined,
        ),
      ).toBeUndefined();
      expect((await store.list({ limit: 10 })).jobs).toHaveLength(0);
    });

    it('deletes a schedule: gone from reads, lists and due ticks; its jobs stay', async () => {
      const store = await fresh();
      const { id } = await store.schedules.createSchedule(newSchedule());
      await store.schedules.fireSchedule(tickOf(id, T0, T0 + MINUTE));
      expect(await store.schedules.deleteSchedule(id)).toBe(true);
      expect(await store.schedules.deleteSchedule(id)).toBe(false);
      expect(await store.schedules.getSchedule(id)).toBeUndefined();
      expect(await store.schedules.dueSchedules(T0 + MINUTE, 10)).toEqual([]);
      expect((await store.schedules.listSchedules({ limit: 10 })).schedules).toEqual([]);
      expect((await store.list({ limit: 10 })).jobs).toHaveLength(1);
    });

    it('lists newest first, a page at a time, and per owner', async () => {
      const { schedules } = await fresh();
      const made = [];
      for (let i = 0; i < 5; i++) {
        made.push(await schedules.createSchedule(newSchedule({ owner: i % 2 ? 'bob' : 'alice' })));
      }
      const first = await schedules.listSchedules({ limit: 2 });
      expect(first.schedules.map((s) => s.id)).toEqual([made[4]?.id, made[3]?.id]);
      const rest = await schedules.listSchedules({ limit: 10, cursor: first.nextCursor ?? '' });
      expect(rest.schedules.map((s) => s.id)).toEqual([made[2]?.id, made[1]?.id, made[0]?.id]);
      expect(rest.nextCursor).toBeNull();
      const bobs = await schedules.listSchedules({ limit: 10, owner: 'bob' });
      expect(bobs.schedules.map((s) => s.id)).toEqual([made[3]?.id, made[1]?.id]);
    });
  });
}

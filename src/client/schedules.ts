/**
 * `client.schedules`: recurring schedules (`/schedules`, docs/queue.md#recurring-schedules),
 * owned by the client's API key like its jobs. Each tick of a schedule creates one job; pause
 * and resume are idempotent actions that answer the schedule.
 */
import type { Schedule, ScheduleDefinition, SchedulePage } from '../model/schedule.js';
import type { HttpRequest } from './http.js';
import { pagePath } from './page-query.js';

type Signal = { signal?: AbortSignal };

export interface SchedulesApi {
  /** Checks the cron expression, time zone, type and input now; resolves with `nextRunAt`. */
  create(schedule: ScheduleDefinition, options?: Signal): Promise<Schedule>;
  /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
  list(options?: Signal & { limit?: number; cursor?: string }): Promise<SchedulePage>;
  get(id: string, options?: Signal): Promise<Schedule>;
  /** No tick creates a job until resumed; jobs already created are untouched. */
  pause(id: string, options?: Signal): Promise<Schedule>;
  /** Ticks again from the first tick after now: the ticks in the pause are skipped. */
  resume(id: string, options?: Signal): Promise<Schedule>;
  /** No more ticks; the jobs it created stay. */
  delete(id: string, options?: Signal): Promise<void>;
}

export function schedulesApi(body: <T>(request: HttpRequest) => Promise<T>): SchedulesApi {
  const path = (id: string) => `/schedules/${encodeURIComponent(id)}`;
  const action = (id: string, name: 'pause' | 'resume', signal?: AbortSignal) =>
    body<Schedule>({ method: 'POST', path: `${path(id)}/${name}`, signal });
  return {
    create: (schedule, { signal } = {}) =>
      body({ method: 'POST', path: '/schedules', body: schedule, signal }),
    list: ({ signal, ...page } = {}) => body({ path: pagePath('/schedules', page), signal }),
    get: (id, { signal } = {}) => body({ path: path(id), signal }),
    pause: (id, { signal } = {}) => action(id, 'pause', signal),
    resume: (id, { signal } = {}) => action(id, 'resume', signal),
    delete: async (id, { signal } = {}) => {
      await body({ method: 'DELETE', path: path(id), signal });
    },
  };
}

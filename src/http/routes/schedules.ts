/**
 * The REST surface of recurring schedules (docs/queue.md, "Schedules"): create, list, read,
 * pause, resume, delete — each on behalf of the caller, through `engine.schedules`. Pause and
 * resume are actions (`POST /schedules/:id/pause|resume`), as in pg-boss and Hatchet; both are
 * idempotent and answer the schedule.
 */
import Type from 'typebox';
import type { JobEngine } from '../../jobs/engine.js';
import {
  ScheduleIdParams,
  ScheduleListQuery,
  SchedulePage,
  scheduleBody,
} from '../../edge/schedule-schemas.js';
import { empty, guardedProblems, jsonBody } from '../../edge/responses.js';
import type { App } from '../../edge/app-type.js';

const TAGS = ['schedules'];

export function scheduleRoutes(app: App, engine: JobEngine): void {
  const schedules = engine.schedules;

  app.post(
    '/schedules',
    {
      schema: {
        operationId: 'createSchedule',
        summary: 'Create a recurring schedule',
        description:
          'Each tick of `cron` (read in `timezone`) creates one job of `type` with `input` and the ' +
          'queue options given. The cron expression, time zone, type and input are checked now: ' +
          '400 invalid_cron, invalid_timezone, unknown_job_type or invalid_input.',
        tags: TAGS,
        body: scheduleBody(engine.registry.names()),
        response: {
          201: jsonBody(Type.Ref('Schedule'), 'Created; its first tick is `nextRunAt`.', {
            location: { type: 'string', description: 'The URL of the schedule.' },
          }),
          ...guardedProblems(413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const schedule = await schedules.create({ ...request.body, caller: request.caller });
      return reply.code(201).header('location', `/schedules/${schedule.id}`).send(schedule);
    },
  );

  app.get(
    '/schedules',
    {
      schema: {
        operationId: 'listSchedules',
        summary: 'List schedules, newest first',
        tags: TAGS,
        querystring: ScheduleListQuery,
        response: { 200: jsonBody(SchedulePage, 'A page of schedules.'), ...guardedProblems() },
      },
    },
    async (request) =>
      schedules.list(
        { limit: request.query.limit ?? 20, cursor: request.query.cursor },
        request.caller,
      ),
  );

  app.get(
    '/schedules/:id',
    {
      schema: {
        operationId: 'getSchedule',
        summary: 'Read a schedule',
        tags: TAGS,
        params: ScheduleIdParams,
        response: {
          200: jsonBody(Type.Ref('Schedule'), 'The schedule.'),
          ...guardedProblems(404),
        },
      },
    },
    async (request) => schedules.get(request.params.id, request.caller),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post(
      `/schedules/:id/${action}`,
      {
        schema: {
          operationId: `${action}Schedule`,
          summary: action === 'pause' ? 'Pause a schedule' : 'Resume a paused schedule',
          description:
            action === 'pause'
              ? 'No tick creates a job until it is resumed; jobs already created are untouched. Idempotent.'
              : 'Ticks again from the first tick after now (ticks in the pause are skipped). Idempotent.',
          tags: TAGS,
          params: ScheduleIdParams,
          response: {
            200: jsonBody(Type.Ref('Schedule'), 'The schedule.'),
            ...guardedProblems(404),
          },
        },
      },
      async (request) => schedules[action](request.params.id, request.caller),
    );
  }

  app.delete(
    '/schedules/:id',
    {
      schema: {
        operationId: 'deleteSchedule',
        summary: 'Delete a schedule',
        description: 'No more ticks; the jobs it created stay.',
        tags: TAGS,
        params: ScheduleIdParams,
        response: { 204: empty('Deleted.'), ...guardedProblems(404) },
      },
    },
    async (request, reply) => {
      await schedules.delete(request.params.id, request.caller);
      return reply.code(204).send();
    },
  );
}

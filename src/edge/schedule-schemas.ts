/** TypeBox schemas of the /schedules routes (and so of their part of the OpenAPI document). */
import Type from 'typebox';
import { JOB_ID_SCHEMA_PATTERN } from '../model/job.js';
import { Attempts, Backoff, JobId, JobTypeName, Priority } from './schemas.js';

const JobAttempts = Attempts("Runs each job may have in all (default: the job type's, else 1).");

export const Schedule = Type.Object(
  {
    id: Type.String({ pattern: JOB_ID_SCHEMA_PATTERN, description: 'A lowercase UUID v4.' }),
    cron: Type.String({ description: 'Cron expression: 5 fields, or 6 with seconds first.' }),
    timezone: Type.String({ description: 'IANA time zone the expression is read in.' }),
    owner: Type.Optional(Type.String()),
    type: Type.String(),
    input: Type.Unknown(),
    attempts: Type.Optional(JobAttempts),
    backoff: Type.Optional(Backoff),
    priority: Type.Optional(Priority),
    paused: Type.Boolean(),
    nextRunAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'The next tick; absent while paused.' }),
    ),
    lastRunAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'The tick of the latest job.' }),
    ),
    lastJobId: Type.Optional(JobId),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Schedule', title: 'Recurring schedule' },
);

export const SchedulePage = Type.Object({
  schedules: Type.Array(Type.Ref('Schedule')),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next (older) page; null on the last page.',
  }),
});

export function scheduleBody(jobTypes: readonly string[]) {
  return Type.Object(
    {
      cron: Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'When it fires: `*/5 * * * *` (every 5 minutes), `0 9 * * 1-5` (9:00 on weekdays), ' +
          'or 6 fields with seconds first (`*/10 * * * * *`).',
      }),
      timezone: Type.Optional(
        Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone (default UTC).' }),
      ),
      type: JobTypeName(jobTypes),
      input: Type.Optional(
        Type.Unknown({ description: "Each job's input; validated against the type's schema now." }),
      ),
      attempts: Type.Optional(JobAttempts),
      backoff: Type.Optional(Backoff),
      priority: Type.Optional(Priority),
    },
    { additionalProperties: false },
  );
}

export const ScheduleIdParams = Type.Object({
  id: Type.String({ pattern: JOB_ID_SCHEMA_PATTERN, description: 'Schedule id: a UUID v4.' }),
});

export const ScheduleListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

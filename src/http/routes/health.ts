/**
 * Health for orchestrators and people — /healthz (both in one, as before), /healthz/live (the
 * process answers: restart it otherwise) and /healthz/ready (send it traffic: not draining, the
 * store answers and could write now) — and /errors/:code, the target of problem `type`s.
 */
import Type from 'typebox';
import { AppError } from '../../model/errors/app-error.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../model/errors/catalogue.js';
import type { LoopDelayMonitor } from '../../execution/loop-delay-monitor.js';
import type { JobEngine } from '../../jobs/engine.js';
import { jsonBody, problems } from '../../edge/responses.js';
import type { App } from '../../edge/app-type.js';

const Health = Type.Object({
  status: Type.Union([
    Type.Literal('ok'),
    Type.Literal('draining'),
    Type.Literal('degraded'),
    Type.Literal('failing'),
  ]),
  uptimeSeconds: Type.Number(),
  eventLoopDelayMs: Type.Object({
    p50: Type.Number(),
    p99: Type.Number(),
    max: Type.Number(),
    windowMs: Type.Number(),
  }),
  activeJobs: Type.Integer(),
  /** Present while the store's writes fail (`degraded`): why, and since when. */
  writeFailure: Type.Optional(
    Type.Object({
      code: Type.Union([Type.Literal('storage_full'), Type.Literal('store_unavailable')]),
      message: Type.String(),
      since: Type.String({ format: 'date-time' }),
    }),
  ),
});

export interface HealthDependencies {
  engine: JobEngine;
  loopDelay: LoopDelayMonitor;
  activeJobs: () => number;
}

const Probe = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('draining'), Type.Literal('failing')]),
  detail: Type.Optional(Type.String({ description: 'Why it is not ready.' })),
});

export function healthRoutes(app: App, deps: HealthDependencies): void {
  app.get(
    '/healthz/live',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'getLiveness',
        summary: 'Liveness: the process serves requests',
        description: 'Always 200 while the process can answer; it checks nothing else.',
        tags: ['operations'],
        response: { 200: jsonBody(Probe, 'Alive.'), ...problems() },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/healthz/ready',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: send traffic here',
        description:
          '200 when the server accepts work, its store answers and a write could be made now; 503 while draining or when the store fails.',
        tags: ['operations'],
        response: {
          200: jsonBody(Probe, 'Ready.'),
          503: jsonBody(Probe, 'Not ready: draining, or the store is failing.'),
          ...problems(),
        },
      },
    },
    async (_request, reply) => {
      try {
        await deps.engine.ready();
        return { status: 'ok' as const };
      } catch (error) {
        const draining = !deps.engine.accepting;
        if (!draining) app.log.error({ err: error }, 'readiness probe failed');
        const detail = draining ? 'the server is shutting down' : 'the store is failing';
        return reply.code(503).send({ status: draining ? 'draining' : 'failing', detail });
      }
    },
  );

  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness and readiness in one, with figures',
        description:
          '200 while serving; 503 while draining for shutdown, while the store cannot write ' +
          '(`degraded`: a full disk; reads still work) or when it fails altogether.',
        tags: ['operations'],
        response: {
          200: jsonBody(Health, 'Serving.'),
          503: jsonBody(Health, 'Draining, or the store is failing.'),
          ...problems(),
        },
      },
    },
    async (_request, reply) => {
      let status: 'ok' | 'draining' | 'degraded' | 'failing' = deps.engine.accepting
        ? 'ok'
        : 'draining';
      const writeFailure = deps.engine.writeFailure();
      if (writeFailure && status === 'ok') status = 'degraded';
      try {
        await deps.engine.ping();
      } catch (error) {
        app.log.error({ err: error }, 'store ping failed');
        status = 'failing';
      }
      return reply.code(status === 'ok' ? 200 : 503).send({
        status,
        uptimeSeconds: Math.round(process.uptime()),
        eventLoopDelayMs: deps.loopDelay.snapshot(),
        activeJobs: deps.activeJobs(),
        ...(writeFailure
          ? { writeFailure: { ...writeFailure, since: new Date(writeFailure.since).toISOString() } }
          : {}),
      });
    },
  );

  app.get(
    '/errors/:code',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'describeError',
        summary: 'Describe an error code (the `type` of every problem document)',
        tags: ['operations'],
        params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
        response: {
          200: jsonBody(
            Type.Object({
              code: Type.String(),
              status: Type.Integer(),
              title: Type.String(),
              description: Type.String(),
            }),
            'The code, its HTTP status and what it means.',
          ),
          ...problems(404),
        },
      },
    },
    async (request) => {
      const { code } = request.params;
      if (!Object.hasOwn(ERROR_CATALOGUE, code)) {
        throw new AppError('not_found', `no error code "${code}"`);
      }
      return { code, ...ERROR_CATALOGUE[code as ErrorCode] };
    },
  );
}

/** /healthz for load balancers and people, and /errors/:code, the target of problem `type`s. */
import Type from 'typebox';
import { AppError } from '../../model/errors/app-error.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../model/errors/catalogue.js';
import type { LoopDelayMonitor } from '../../execution/loop-delay-monitor.js';
import type { JobEngine } from '../../jobs/engine.js';
import { ProblemRef } from '../../edge/schemas.js';
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

export function healthRoutes(app: App, deps: HealthDependencies): void {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness and readiness',
        description:
          '200 while serving; 503 while draining for shutdown, while the store cannot write ' +
          '(`degraded`: a full disk; reads still work) or when it fails altogether.',
        tags: ['operations'],
        response: { 200: Health, 503: Health },
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
        summary: 'Describe an error code (the `type` of every problem document)',
        tags: ['operations'],
        params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object({
            code: Type.String(),
            status: Type.Integer(),
            title: Type.String(),
            description: Type.String(),
          }),
          404: ProblemRef,
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

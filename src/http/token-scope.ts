/**
 * Scoped tokens on HTTP (auth/token-scope.ts): a JWT, or an access token exchanged for one, that
 * carries `jobs`, `subscribe` or `publish` claims may use only the routes below, and only for
 * what its claims list; every other guarded route answers `403 insufficient_scope`. The
 * decision is made from the token alone, before any job is looked up, so it says nothing about
 * whether a job exists. Requests without a scope (every API key) pass with one property read.
 */
import type { FastifyRequest } from 'fastify';
import {
  outOfScope,
  requireJob,
  requirePublish,
  requireSubscribe,
  type TokenScope,
} from '../auth/token-scope.js';
import type { App } from '../edge/app-type.js';
import { parseJobList, parseTopics } from '../transports/sse-request.js';

type Check = (scope: TokenScope, request: FastifyRequest) => void;

interface Params {
  id?: string;
  topic?: string;
}
interface Query {
  jobId?: string;
  jobs?: string;
  topics?: string;
}

const readJob: Check = (scope, request) => {
  requireJob(scope, (request.params as Params).id ?? '');
};

/** What a scoped token may do, by method and route. */
const ALLOWED: Readonly<Record<string, Check>> = {
  'GET /jobs/:id': readJob,
  'HEAD /jobs/:id': readJob,
  'GET /jobs/:id/events': readJob,
  'GET /check-status': (scope, request) => {
    requireJob(scope, (request.query as Query).jobId ?? '');
  },
  'GET /events': (scope, request) => {
    const query = request.query as Query;
    for (const id of parseJobList(query.jobs)) requireJob(scope, id);
    if (parseTopics(query.topics)) requireSubscribe(scope, 'jobs');
  },
  'POST /topics/:topic/messages': (scope, request) => {
    requirePublish(scope, (request.params as Params).topic ?? '');
  },
  // Exchanged for an access token that carries the same scope.
  'POST /auth/token': () => undefined,
};

export function registerTokenScope(app: App): void {
  // After validation, so the ids checked here are well formed.
  app.addHook('preHandler', (request, _reply, done) => {
    const scope = request.caller.scope;
    if (scope === undefined || request.is404) {
      done();
      return;
    }
    const check = ALLOWED[`${request.method} ${request.routeOptions.url ?? ''}`];
    try {
      if (check === undefined) {
        throw outOfScope(
          `a scoped token may not use ${request.method} ${request.routeOptions.url ?? ''}`,
        );
      }
      check(scope, request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

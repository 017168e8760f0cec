import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Caller } from '../auth/caller.js';

/** The Fastify instance type every route module receives: TypeBox schemas give typed handlers. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What the auth hook (http/auth.ts) adds to every request, and the per-route access marks. */
declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
    /** On `access: 'worker'` routes: the worker's name (auth/authenticator.ts). */
    worker: string;
  }
  interface FastifyContextConfig {
    /**
     * Default: an API key is required. `stream`: a key or an access token. `worker`: a worker
     * key, and nothing else (the worker protocol).
     */
    access?: 'public' | 'stream' | 'worker';
  }
}

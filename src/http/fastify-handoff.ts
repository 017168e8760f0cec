/**
 * An error a listener in front of Fastify (status-fast-path.ts, event-stream-fast-path.ts) met
 * while answering a request, handed to Fastify with that request: Fastify's onRequest hook
 * fails the request with it, so the route's own error handling answers it (a problem document,
 * counted and logged as any other) without asking the store a second time.
 */
import type { IncomingMessage } from 'node:http';
import type { App } from '../edge/app-type.js';

export class FastifyHandoff {
  readonly #errors = new WeakMap<IncomingMessage, Error>();

  /** Registers the hook that answers a handed-over request with its error. */
  attach(app: App): void {
    app.addHook('onRequest', (request, _reply, done) => {
      const error = this.#errors.get(request.raw);
      if (error === undefined) {
        done();
        return;
      }
      this.#errors.delete(request.raw);
      done(error);
    });
  }

  /** Fastify is to answer `request` with `error` (call before handing the request on). */
  fail(request: IncomingMessage, error: unknown): void {
    this.#errors.set(request, error instanceof Error ? error : new Error(String(error)));
  }
}

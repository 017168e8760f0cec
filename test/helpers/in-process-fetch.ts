/**
 * Fetch without a network: requests to an origin registered here go through Fastify's
 * `app.inject()` and come back as a standard `Response`, so a test, the SDK and the helpers in
 * http.ts speak to an injected server exactly as to one on a port. The contract recorder routes
 * the global fetch through `routedFetch`, so injected responses are checked against the OpenAPI
 * document too.
 *
 * For what is not about the network: an answer arrives whole, so event streams and long waits
 * that a test abandons, upgrades, timeouts and the status fast path (a front door before
 * Fastify) need a real port (test-server.ts).
 */
import type { FastifyInstance } from 'fastify';

/** The network fetch, taken before anything wraps the global one. */
export const networkFetch: typeof fetch = globalThis.fetch.bind(globalThis);

type Injectable = Pick<FastifyInstance, 'inject'>;

const apps = new Map<string, Injectable>();
let origins = 0;

/** A new origin (`http://in-process-N.test`) whose requests `app` answers. */
export function registerInProcessOrigin(app: Injectable): string {
  origins += 1;
  const origin = `http://in-process-${origins}.test`;
  apps.set(origin, app);
  return origin;
}

export function forgetInProcessOrigin(origin: string): void {
  apps.delete(origin);
}

/** Whether `url` is on an origin registered here. */
export function isInProcess(url: string): boolean {
  return URL.canParse(url) && apps.has(new URL(url).origin);
}

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** The global fetch's semantics: injected for registered origins, the network otherwise. */
export async function routedFetch(
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  // Relative or odd URLs are the network fetch's to refuse, with its own error.
  const app = URL.canParse(href) ? apps.get(new URL(href).origin) : undefined;
  if (!app) return networkFetch(input, init);
  return injected(app, new Request(input, init), 0);
}

async function injected(app: Injectable, request: Request, redirects: number): Promise<Response> {
  request.signal.throwIfAborted();
  const url = new URL(request.url);
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  const reply = await app.inject({
    method: request.method as 'GET',
    url: url.pathname + url.search,
    headers: { ...Object.fromEntries(request.headers), host: url.host },
    ...(body === undefined ? {} : { payload: body }),
  });
  request.signal.throwIfAborted();
  const headers = headersOf(reply.headers);
  const location = headers.get('location');
  if (REDIRECTS.has(reply.statusCode) && location !== null && request.redirect === 'follow') {
    if (redirects >= MAX_REDIRECTS) throw new TypeError('fetch failed: too many redirects');
    const next = new URL(location, url);
    // As fetch does: 303, and 301/302 after a POST, become a GET without a body.
    const asGet =
      reply.statusCode === 303 ||
      (request.method === 'POST' && (reply.statusCode === 301 || reply.statusCode === 302));
    const nextRequest = new Request(next, {
      method: asGet ? 'GET' : request.method,
      headers: request.headers,
      signal: request.signal,
      ...(asGet || body === undefined ? {} : { body }),
    });
    const nextApp = apps.get(next.origin);
    return nextApp ? injected(nextApp, nextRequest, redirects + 1) : networkFetch(nextRequest);
  }
  const noBody = NULL_BODY.has(reply.statusCode) || request.method === 'HEAD';
  return new Response(noBody ? null : reply.rawPayload, {
    status: reply.statusCode,
    statusText: reply.statusMessage,
    headers,
  });
}

/** An injected reply's headers as a fetch `Headers` (a repeated header once per value). */
export function headersOf(replyHeaders: Record<string, unknown>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(replyHeaders)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
  }
  return headers;
}

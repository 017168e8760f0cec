/**
 * Records every response a test receives from a server under test and checks it against that
 * server's OpenAPI document (openapi-contract.ts), so the document cannot drift from what the
 * server sends: an undocumented status, content type, header or body shape fails the test.
 *
 * Servers are watched by origin (`watchServer(url)`, called by startTestServer and
 * startInjectedServer); `fetch` is wrapped once per test file by the setup file
 * (contract-setup.ts), so every client — the tests' own fetches, the SDK, EventSource
 * polyfills — is checked, over the network or injected (in-process-fetch.ts).
 */
import { routedFetch } from '../in-process-fetch.js';
import {
  OpenApiContract,
  type OpenApiDocument,
  type RecordedResponse,
} from './openapi-contract.js';

const contracts = new Map<string, Promise<OpenApiContract | undefined>>();
const pending: Promise<string[]>[] = [];

/** Checks the responses of the server at `url` from now on. */
export function watchServer(url: string): void {
  const origin = new URL(url).origin;
  if (contracts.has(origin)) return;
  const loaded = routedFetch(`${origin}/openapi.json`)
    .then(async (response) => new OpenApiContract((await response.json()) as OpenApiDocument))
    .catch(() => undefined);
  contracts.set(origin, loaded);
}

/** Checks `response`, when it arrives, against `contract` (checked-inject.ts uses it too). */
export function recordResponse(
  contract: Promise<OpenApiContract | undefined>,
  response: Promise<RecordedResponse>,
): void {
  pending.push(Promise.all([contract, response]).then(([c, r]) => (c ? c.check(r) : [])));
}

function record(method: string, href: string, response: Response): void {
  const url = new URL(href);
  const contract = contracts.get(url.origin);
  if (!contract) return;
  const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
  const body =
    streaming || response.body === null
      ? Promise.resolve(streaming ? undefined : '')
      : response.clone().text();
  recordResponse(
    contract,
    body.then((text) => ({
      method: method.toUpperCase(),
      path: url.pathname,
      status: response.status,
      headers: response.headers,
      body: text,
    })),
  );
}

/** Replaces global fetch with one that records what watched servers answer. */
export function installFetchRecorder(): void {
  globalThis.fetch = async (input, init) => {
    const response = await routedFetch(input, init);
    const isRequest = input instanceof Request;
    const href = typeof input === 'string' ? input : isRequest ? input.url : input.href;
    record(init?.method ?? (isRequest ? input.method : 'GET'), href, response);
    return response;
  };
}

/**
 * The violations among the responses recorded since the last call. A body still arriving after
 * `graceMs` (a stream the test left open) is not checked.
 */
export async function takeViolations(graceMs = 500): Promise<string[]> {
  const checks = pending.splice(0);
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof late>((resolve) => {
    timer = setTimeout(() => {
      resolve(late);
    }, graceMs);
  });
  const results = await Promise.all(
    checks.map((check) =>
      Promise.race([check.catch(() => [] as string[]), deadline]).then((r) =>
        r === late ? [] : r,
      ),
    ),
  );
  clearTimeout(timer);
  return [...new Set(results.flat())];
}

/**
 * One HTTP exchange with the API: JSON in, JSON out, problem documents turned into
 * ClientErrors, and the body's size reported so watches can count what each pattern costs.
 */
import { ClientError, isProblemDocument } from './client-error.js';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Path and query, relative to the base URL. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined for 304 and 204. */
  body: unknown;
  /** Body bytes received. */
  bytes: number;
}

/** An access token is renewed when less than this is left of it. */
const RENEW_BEFORE_MS = 30_000;

export interface HttpOptions {
  baseUrl: URL;
  token?: string;
  fetch: typeof fetch;
}

export class Http {
  readonly #options: HttpOptions;
  /** The current access token for streams and sockets (none when the server has no keys). */
  #access: Promise<{ token: string | undefined; expiresAt: number }> | undefined;

  constructor(options: HttpOptions) {
    this.#options = options;
  }

  /**
   * An absolute URL for an event stream or a WebSocket. Browsers cannot send an Authorization
   * header there, so with a key it carries a short-lived access token from POST /auth/token
   * (fetched once and renewed before it expires; a server without keys answers 404 and the URL
   * stays bare). It never rejects.
   */
  async streamUrl(path: string, protocol?: 'ws'): Promise<string> {
    const url = new URL(this.url(path, protocol));
    try {
      const token = await this.#accessToken();
      if (token !== undefined) url.searchParams.set('access_token', token);
    } catch {
      // Unreachable server or a refused key: connect bare and let the transport's own failure
      // handling retry, or report the server's answer (401) when it checks with a GET.
      this.#access = undefined;
    }
    return url.href;
  }

  async #accessToken(): Promise<string | undefined> {
    if (this.#options.token === undefined) return undefined;
    const current = await this.#access?.catch(() => undefined);
    if (current && current.expiresAt - Date.now() > RENEW_BEFORE_MS) return current.token;
    this.#access = this.#issueToken();
    return (await this.#access).token;
  }

  async #issueToken(): Promise<{ token: string | undefined; expiresAt: number }> {
    try {
      const answer = await this.request({ method: 'POST', path: '/auth/token' });
      const body = answer.body as { token: string; expiresAt: string };
      return { token: body.token, expiresAt: Date.parse(body.expiresAt) };
    } catch (error) {
      if (error instanceof ClientError && error.status === 404) {
        return { token: undefined, expiresAt: Number.POSITIVE_INFINITY };
      }
      throw error;
    }
  }

  /** An absolute URL for `path` (event streams and sockets open it themselves). */
  url(path: string, protocol?: 'ws'): string {
    const url = new URL(path.replace(/^\//, ''), this.#options.baseUrl);
    if (protocol === 'ws') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }

  /** Resolves with 2xx and 304 answers; rejects with a ClientError otherwise. */
  async request(request: HttpRequest): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#options.token !== undefined) headers.authorization = `Bearer ${this.#options.token}`;
    let response: Response;
    let buffer: ArrayBuffer;
    try {
      response = await this.#options.fetch(this.url(request.path), {
        method: request.method ?? 'GET',
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: request.signal,
      });
      buffer = await response.arrayBuffer();
    } catch (error) {
      // Our own abort is not a network failure: let the caller see it as it is.
      if (request.signal?.aborted) throw request.signal.reason;
      throw new ClientError('network_error', `${this.url(request.path)}: ${describe(error)}`, {
        cause: error,
      });
    }
    const answer: HttpAnswer = {
      status: response.status,
      headers: response.headers,
      body: undefined,
      bytes: buffer.byteLength,
    };
    if (buffer.byteLength > 0) answer.body = parseJson(buffer, response.status);
    if (response.ok || response.status === 304) return answer;
    if (isProblemDocument(answer.body)) {
      const problem = answer.body;
      throw new ClientError(problem.code, problem.detail, { status: response.status, problem });
    }
    throw new ClientError('unexpected_response', `HTTP ${response.status} without a problem`, {
      status: response.status,
    });
  }
}

function parseJson(buffer: ArrayBuffer, status: number): unknown {
  const text = new TextDecoder().decode(buffer);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ClientError('unexpected_response', `HTTP ${status} with a body that is not JSON`, {
      status,
    });
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's fetch hides the reason (ECONNREFUSED, ...) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

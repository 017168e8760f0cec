/**
 * One HTTP exchange with the API: JSON in, JSON out, problem documents turned into
 * ClientErrors, and the body's size reported so watches can count what each pattern costs.
 * Event streams go through here too (`stream`), with the same headers and the same errors.
 */
import { ClientError, isProblemDocument } from './client-error.js';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
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
  /** The current access token for WebSockets (none when the server has no keys). */
  #access: Promise<{ token: string | undefined; expiresAt: number }> | undefined;

  constructor(options: HttpOptions) {
    this.#options = options;
  }

  /**
   * An absolute `ws:`/`wss:` URL for a WebSocket. Browsers cannot send an Authorization header
   * there, so with a key it carries a short-lived access token from POST /auth/token (fetched
   * once and renewed before it expires; a server without keys answers 404 and the URL stays
   * bare). It never rejects.
   */
  async socketUrl(path: string): Promise<string> {
    const url = new URL(this.url(path));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    try {
      const token = await this.#accessToken();
      if (token !== undefined) url.searchParams.set('access_token', token);
    } catch {
      // Unreachable server or a refused key: connect bare and let the transport's own failure
      // handling retry, or report the server's answer.
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

  /** An absolute URL for `path`. */
  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.#options.baseUrl).href;
  }

  /** Resolves with 2xx and 304 answers; rejects with a ClientError otherwise. */
  async request(request: HttpRequest): Promise<HttpAnswer> {
    let response: Response;
    let buffer: ArrayBuffer;
    try {
      response = await this.#fetch(request, 'application/json');
      buffer = await response.arrayBuffer();
    } catch (error) {
      throw this.#unreachable(request, error);
    }
    const answer: HttpAnswer = {
      status: response.status,
      headers: response.headers,
      body: undefined,
      bytes: buffer.byteLength,
    };
    if (buffer.byteLength > 0) answer.body = parseJson(buffer, response.status);
    if (response.ok || response.status === 304) return answer;
    throw refusal(response.status, answer.body);
  }

  /**
   * A GET of an event stream, whose body the caller reads as it arrives: resolves with the
   * response as soon as a 2xx status and its headers are in; rejects like `request` otherwise.
   * Aborting `signal` closes the connection, also while the body is being read.
   */
  async stream(request: { path: string; signal: AbortSignal }): Promise<Response> {
    try {
      const response = await this.#fetch(request, 'text/event-stream');
      if (response.ok) return response;
      // An error answer is small and complete: read it whole, like any other.
      const buffer = await response.arrayBuffer();
      const body = buffer.byteLength > 0 ? parseJson(buffer, response.status) : undefined;
      throw refusal(response.status, body);
    } catch (error) {
      if (error instanceof ClientError) throw error;
      throw this.#unreachable(request, error);
    }
  }

  /** Every request's headers: what it accepts, the API key, and its own. */
  #fetch(request: HttpRequest, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept, ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#options.token !== undefined) headers.authorization = `Bearer ${this.#options.token}`;
    return this.#options.fetch(this.url(request.path), {
      method: request.method ?? 'GET',
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
    });
  }

  /** What a failed fetch rejects with. */
  #unreachable(request: HttpRequest, error: unknown): unknown {
    // Our own abort is not a network failure: let the caller see it as it is.
    if (request.signal?.aborted) return request.signal.reason;
    return new ClientError('network_error', `${this.url(request.path)}: ${describe(error)}`, {
      cause: error,
    });
  }
}

/** The ClientError for an answer that is neither 2xx nor 304. */
function refusal(status: number, body: unknown): ClientError {
  if (isProblemDocument(body)) {
    return new ClientError(body.code, body.detail, { status, problem: body });
  }
  return new ClientError('unexpected_response', `HTTP ${status} without a problem`, { status });
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

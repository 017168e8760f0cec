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

export interface HttpOptions {
  baseUrl: URL;
  token?: string;
  fetch: typeof fetch;
}

export class Http {
  readonly #options: HttpOptions;

  constructor(options: HttpOptions) {
    this.#options = options;
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

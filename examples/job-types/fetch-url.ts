/**
 * An I/O job: downloads a URL and returns its size and SHA-256, with progress by bytes. It only
 * waits on the network, so it runs on the event loop (`execution: 'io'`). Only origins listed in
 * FETCH_ALLOWED_ORIGINS may be fetched: a job that fetches any URL a client names lets that
 * client reach every host the server can (SSRF).
 */
import { createHash } from 'node:crypto';
import { defineJobType, invalidInput, JobFailure, Type } from 'backend-patterns';

const allowedOrigins = new Set(
  (process.env.FETCH_ALLOWED_ORIGINS ?? '').split(',').filter((origin) => origin !== ''),
);

export const fetchUrl = defineJobType({
  name: 'fetch-url',
  description: 'Downloads a URL (from FETCH_ALLOWED_ORIGINS) and returns its size and SHA-256.',
  execution: 'io',
  input: Type.Object(
    {
      url: Type.String({ maxLength: 2048, description: 'http(s) URL on an allowed origin.' }),
      maxBytes: Type.Integer({ minimum: 1, maximum: 1024 ** 3, default: 50 * 1024 ** 2 }),
    },
    { additionalProperties: false },
  ),
  timeoutMs: 5 * 60_000,
  // Runs at submit time: a bad URL is a 400 for the client, not a failed job later.
  async check(input) {
    const url = URL.canParse(input.url) ? new URL(input.url) : undefined;
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw invalidInput('url', 'must be an http or https URL');
    }
    if (!allowedOrigins.has(url.origin)) {
      throw invalidInput('url', `origin ${url.origin} is not in FETCH_ALLOWED_ORIGINS`);
    }
  },
  async handler(input, ctx) {
    let response: Response;
    try {
      // ctx.signal aborts the request on cancel, timeout and shutdown. Redirects could leave the
      // allowed origins, so they are refused.
      response = await fetch(input.url, { signal: ctx.signal, redirect: 'error' });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      // fetch's own message is only "fetch failed"; the reason (ECONNREFUSED, ...) is its cause.
      const reason = error instanceof Error ? (error.cause ?? error) : error;
      throw new JobFailure('fetch_failed', `could not fetch ${input.url}`, String(reason));
    }
    if (!response.ok || response.body === null) {
      throw new JobFailure('http_status', `GET ${input.url} answered ${response.status}`);
    }
    const length = Number(response.headers.get('content-length') ?? NaN);
    const totalBytes = Number.isSafeInteger(length) ? length : undefined;
    const hash = createHash('sha256');
    let bytes = 0;
    let reported = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > input.maxBytes) {
        throw new JobFailure('too_large', `the body is larger than ${input.maxBytes} bytes`);
      }
      hash.update(chunk);
      // One event per whole percent, not per chunk: every progress call is a stored event.
      const percent = totalBytes ? Math.floor((bytes * 100) / totalBytes) : 0;
      if (percent > reported && percent < 100) {
        reported = percent;
        void ctx.progress(percent, { bytes, totalBytes });
      }
    }
    return { url: input.url, status: response.status, bytes, sha256: hash.digest('hex') };
  },
});

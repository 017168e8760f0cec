/**
 * One webhook attempt on the wire: a POST to the address address-policy.ts checked, with the
 * protections a server calling strangers' URLs needs:
 * - it connects to that address only: the request's `lookup` answers with it, so Node does not
 *   resolve the name again (https still sends the host name for SNI and checks the certificate
 *   against it);
 * - a connect timeout and a response timeout (for the whole answer), so a receiver that never
 *   answers holds a slot for a bounded time;
 * - at most `maxResponseBytes` of the response body are read, the rest is dropped with the
 *   connection: only the status code matters;
 * - redirects are not followed (a 3xx is a failed attempt): a redirect could point anywhere.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './address-policy.js';

export interface PostLimits {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  maxResponseBytes: number;
}

export interface PostResult {
  statusCode: number;
}

/** A failed attempt that got no HTTP status: its `message` says what happened. */
export class PostError extends Error {
  override readonly name = 'PostError';
}

export function safePost(
  target: ResolvedTarget,
  body: string,
  headers: Record<string, string>,
  limits: PostLimits,
): Promise<PostResult> {
  const { url, address, family } = target;
  // Whatever Node asks (one address, or all of them for happy eyeballs), the checked one.
  const pinned = ((_host, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
  const request = (url.protocol === 'https:' ? https : http).request({
    method: 'POST',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    lookup: pinned,
    agent: false,
  });
  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, result?: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      request.destroy();
      if (error) reject(error);
      else if (result) resolve(result);
    };
    const connectTimer = setTimeout(() => {
      finish(new PostError(`no connection within ${limits.connectTimeoutMs} ms`));
    }, limits.connectTimeoutMs);
    const responseTimer = setTimeout(() => {
      finish(new PostError(`no complete response within ${limits.responseTimeoutMs} ms`));
    }, limits.responseTimeoutMs);
    request.on('socket', (socket) => {
      socket.once('connect', () => {
        clearTimeout(connectTimer);
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish(new PostError(error.code ? `${error.code}: ${error.message}` : error.message));
    });
    request.on('response', (response) => {
      const statusCode = response.statusCode ?? 0;
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > limits.maxResponseBytes) finish(undefined, { statusCode }); // enough
      });
      response.on('end', () => {
        finish(undefined, { statusCode });
      });
      response.on('error', () => {
        finish(undefined, { statusCode });
      });
    });
    request.end(body);
  });
}

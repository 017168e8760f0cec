/**
 * What a request looks like in the logs: Fastify's usual fields, with any access token in the
 * URL replaced, so a token from a query string never lands in a log file.
 */
import type { FastifyRequest } from 'fastify';

export function redactToken(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/g, '$1[redacted]');
}

export const logSerializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: redactToken(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket.remotePort,
    };
  },
};

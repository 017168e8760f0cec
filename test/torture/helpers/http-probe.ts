/**
 * One HTTP request by node:http with whatever method, path and headers a case generates, read
 * to the end — or, for an event stream, just to its headers (it would not end by itself).
 */
import { request, type Agent } from 'node:http';

export interface ProbeRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ProbeAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

export function probe(url: string, req: ProbeRequest, agent?: Agent): Promise<ProbeAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}${req.path}`, {
      method: req.method,
      headers: req.headers,
      agent,
    });
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      const contentType = response.headers['content-type'] ?? null;
      const status = response.statusCode ?? 0;
      if (contentType?.startsWith('text/event-stream')) {
        outgoing.destroy();
        resolve({ status, contentType, body: '' });
        return;
      }
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status, contentType, body });
      });
      response.on('error', reject);
    });
    outgoing.end(req.body);
  });
}

/**
 * Baseline: a bare node:http server that answers every request with a fixed JSON body and the
 * same headers our status route sends — the cost of HTTP alone, with no framework, validation,
 * store or metrics. POST bodies are read and parsed, as a real handler must. A request whose
 * If-None-Match is the ETag gets 304 with the validators and no body, as ours does.
 */
import { createServer } from 'node:http';

const body = process.env.BODY ?? '{}';
const status = Number(process.env.STATUS ?? 200);
const etag = process.env.ETAG ?? '"12"';
const headers = {
  etag,
  'cache-control': 'no-cache',
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(Buffer.byteLength(body)),
};
const notModifiedHeaders = { etag, 'cache-control': 'no-cache' };

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, notModifiedHeaders);
      response.end();
      return;
    }
    response.writeHead(status, headers);
    response.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ ready: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});

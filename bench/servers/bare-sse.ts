/**
 * Baseline for held event streams: a bare node:http server that answers every request with
 * the event-stream headers and keeps the response open, writing a comment heartbeat every
 * HEARTBEAT_MS — what an idle SSE connection costs in Node with nothing else.
 */
import { createServer, type ServerResponse } from 'node:http';

const heartbeatMs = Number(process.env.HEARTBEAT_MS ?? 15_000);
const open = new Set<ServerResponse>();
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  response.write('retry: 3000\n\n');
  open.add(response);
  response.on('close', () => open.delete(response));
});
// One timer for all streams, as cheap as a heartbeat gets.
setInterval(() => {
  for (const response of open) response.write(': heartbeat\n\n');
}, heartbeatMs).unref();
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ ready: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => process.exit(0));

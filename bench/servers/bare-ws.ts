/**
 * Baseline for fan-out: the `ws` README's broadcast server. Every message a client sends goes
 * to every connected client, the sender included, as received (no parsing, no envelope, no
 * per-client state): what a WebSocket broadcast costs with nothing else.
 */
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ ready: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => process.exit(0));

/**
 * Baseline for fan-out: Socket.IO 4 doing the same as our chat topics. Every client joins one
 * room on connecting; a `publish` from any client is emitted to the whole room (sender
 * included) as `event`. WebSocket transport only, as the clients use, so the comparison is
 * WebSocket against WebSocket.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const server = createServer();
const io = new Server(server, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  void socket.join('bench');
  socket.on('publish', (data: unknown) => {
    io.to('bench').emit('event', data);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ ready: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => process.exit(0));

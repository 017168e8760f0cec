import type { Socket } from 'node:net';
import type { Server } from '../../src/server.js';

/**
 * Every TCP connection a test server accepts, so a test can cut them all server-side at once:
 * held polls, event streams and WebSockets (an upgrade keeps its socket) fail mid-stream, as
 * when a proxy restarts or a network drops.
 */
export function connectionDropper(server: Server): { dropAll(): number } {
  const sockets = new Set<Socket>();
  server.app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    dropAll() {
      const count = sockets.size;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      return count;
    },
  };
}

/**
 * A server process for the torture cases: built like `backend-patterns serve` (createServer,
 * listen, the same SIGTERM/SIGINT handling) with the `ticker` job type added, and an IPC
 * channel that reports what the HTTP surface does not show: live bus subscriptions, WebSocket
 * connections, open file descriptors and memory. Options come as JSON in argv[2].
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { closeOnSignals } from '../../../src/cli/shutdown-signals.js';
import type { ServerOptions } from '../../../src/config/options.js';
import { createServer } from '../../../src/server.js';
import { RedisStore } from '../../../src/store/redis/redis-store.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { tickerJobType } from './ticker-job-type.js';

export interface ServerStats {
  busSubscriptions: number;
  wsConnections: number;
  openFds: number;
  /** What the open descriptors are (`socket` ×12, a file's path…), so a leak names itself. */
  fdKinds: Record<string, number>;
  rssBytes: number;
  heapUsedBytes: number;
}

export type ParentMessage = { type: 'stats'; gc?: boolean };
export type ChildMessage = { type: 'listening'; url: string } | ({ type: 'stats' } & ServerStats);

const send = (message: ChildMessage) => process.send?.(message);
const options = JSON.parse(process.argv[2] ?? '{}') as Partial<ServerOptions>;
const server = await createServer(options, { jobTypes: [tickerJobType] });
const url = await server.listen();
closeOnSignals(server.logger, server.options.shutdownTimeout, () => server.close());

const store = server.store;
process.on('message', (message: ParentMessage) => {
  // With --expose-gc the figures count live memory, not garbage not yet collected.
  if (message.gc) globalThis.gc?.();
  const memory = process.memoryUsage();
  send({
    type: 'stats',
    busSubscriptions:
      store instanceof SqliteStore || store instanceof RedisStore ? store.subscriptionCount : -1,
    wsConnections: server.websocket.connectionCount,
    ...describeFds(),
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
  });
});
// The channel must not keep the process alive once the server has closed (SIGTERM).
process.channel?.unref();
send({ type: 'listening', url });

function describeFds(): { openFds: number; fdKinds: Record<string, number> } {
  const fds = readdirSync('/proc/self/fd');
  const fdKinds: Record<string, number> = {};
  for (const fd of fds) {
    let target: string;
    try {
      // socket:[123] and pipe:[456] differ per descriptor; their kind is the part before the inode.
      target = readlinkSync(`/proc/self/fd/${fd}`).replace(/:\[\d+\]$/, '');
    } catch {
      target = 'closed while listing'; // the readdir's own descriptor, or one closed meanwhile
    }
    fdKinds[target] = (fdKinds[target] ?? 0) + 1;
  }
  return { openFds: fds.length, fdKinds };
}

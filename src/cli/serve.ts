/**
 * `backend-patterns serve`: runs the server until SIGTERM or SIGINT, then shuts down
 * gracefully within --shutdown-timeout. A second signal exits at once; jobs that were running
 * are then handled by the recovery policy at the next start, as after a crash.
 */
import type { ServerOptions } from '../config/options.js';
import { createServer, type Server } from '../server.js';

export async function serve(options: Partial<ServerOptions>): Promise<Server> {
  const server = await createServer(options);
  const url = await server.listen();
  server.logger.info(
    { event: 'listening', url, db: server.options.db ?? `${server.options.dataDir}/jobs.db` },
    `backend-patterns listening on ${url}`,
  );

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      server.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    server.logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      server.logger.error('shutdown deadline passed: exiting');
      process.exit(1);
    }, server.options.shutdownTimeout + 2000).unref();
    server.close().then(
      () => {
        clearTimeout(deadline);
        process.exitCode = 0;
      },
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return server;
}

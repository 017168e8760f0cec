/**
 * `backend-patterns serve`: runs the server until SIGTERM or SIGINT, then shuts down
 * gracefully within --shutdown-timeout.
 */
import { resolveOptions, type ServerOptions } from '../config/options.js';
import { createServer, type Server } from '../server.js';
import { cliLogger } from './logger.js';
import { closeOnSignals } from './shutdown-signals.js';

export async function serve(given: Partial<ServerOptions>): Promise<Server> {
  const options = resolveOptions(given);
  const server = await createServer(options, { logger: cliLogger(options) });
  const url = await server.listen();
  const { redis, db, dataDir } = server.options;
  server.logger.info(
    { event: 'listening', url, store: redis ? 'redis' : (db ?? `${dataDir}/jobs.db`) },
    `backend-patterns listening on ${url}`,
  );
  closeOnSignals(server.logger, server.options.shutdownTimeout, () => server.close());
  return server;
}

/**
 * `backend-patterns worker --redis <url>`: runs job handlers from the shared BullMQ queue, with
 * no HTTP side. Start as many as the work needs, on any machine that reaches the Redis; each
 * reads `hash-file` paths from its own --data-dir.
 */
import { createBackend } from '../backend.js';
import { OptionsError, resolveOptions, type ServerOptions } from '../config/options.js';
import { cliLogger } from './logger.js';
import { closeOnSignals } from './shutdown-signals.js';

export async function runWorker(given: Partial<ServerOptions>): Promise<void> {
  const options = resolveOptions(given);
  if (options.redis === undefined) {
    throw new OptionsError(
      'worker needs --redis (REDIS_URL); without Redis, `serve` runs jobs itself',
    );
  }
  const logger = cliLogger(options);
  const backend = await createBackend(options, { logger, runJobs: true });
  logger.info(
    { event: 'worker-ready', concurrency: options.concurrency },
    'backend-patterns worker ready',
  );
  closeOnSignals(logger, options.shutdownTimeout, async () => {
    await backend.stopRunner(Math.max(0, options.shutdownTimeout - 1000));
    await backend.close();
    logger.info('worker closed');
  });
}

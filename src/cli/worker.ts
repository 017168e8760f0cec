/**
 * `backend-patterns worker --redis <url>`: runs job handlers from the shared BullMQ queue, with
 * no HTTP side. Start as many as the work needs, on any machine that reaches the Redis; each
 * reads `hash-file` paths from its own --data-dir. It delivers webhooks too, from the outbox
 * every gateway and worker shares in Redis (a lease per delivery: one process attempts it).
 */
import { createBackend } from '../backend.js';
import { OptionsError, resolveOptions, type ServerOptions } from '../config/options.js';
import { WebhookDelivery } from '../transports/webhooks.js';
import { webhookOptions } from '../transports/webhooks/options.js';
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
  const queue = backend.engine.webhookQueue;
  const webhooks =
    queue && new WebhookDelivery(webhookOptions(options), { queue, logger, now: backend.clock });
  webhooks?.start();
  logger.info(
    { event: 'worker-ready', concurrency: options.concurrency },
    'backend-patterns worker ready',
  );
  // Redis lost the data this worker knew (restarted empty, flushed): exit non-zero, so that a
  // supervisor restarts it on the new data, rather than idle with jobs it cannot record.
  backend.store.subscribeFaults?.((error) => {
    logger.fatal({ err: error }, 'the job store lost its data: exiting');
    setTimeout(() => process.exit(1), 2000).unref();
    void backend.stopRunner(0).finally(() => process.exit(1));
  });
  closeOnSignals(logger, options.shutdownTimeout, async () => {
    await Promise.all([
      backend.stopRunner(Math.max(0, options.shutdownTimeout - 1000)),
      webhooks?.close(Math.min(1000, options.shutdownTimeout)),
    ]);
    await backend.close();
    logger.info('worker closed');
  });
}

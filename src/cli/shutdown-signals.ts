/**
 * SIGTERM / SIGINT handling shared by `serve` and `worker`: the first signal starts a graceful
 * close with a deadline, a second one exits at once (interrupted jobs are then recovered at the
 * next start, as after a crash).
 */
import type { Logger } from 'pino';

export function closeOnSignals(
  logger: Logger,
  deadlineMs: number,
  close: () => Promise<void>,
): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed: exiting');
      process.exit(1);
    }, deadlineMs + 2000).unref();
    close().then(
      () => {
        clearTimeout(deadline);
        process.exitCode = 0;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

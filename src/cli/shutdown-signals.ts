/**
 * SIGTERM / SIGINT handling shared by `serve` and `worker`: the first signal starts a graceful
 * close with a deadline, a later one exits at once (interrupted jobs are then recovered at the
 * next start, as after a crash).
 *
 * One Ctrl-C often arrives more than once. The terminal sends SIGINT to its whole foreground
 * process group — the server and every wrapper above it (`npm start`, `npx`, `tsx`) — and the
 * wrappers relay what they got to their child a few milliseconds later (tsx after waiting
 * 30 ms to see whether the child heard it itself). Node cannot tell who sent a signal, so
 * signals that come within `duplicateWindowMs` of the first are taken as that same request;
 * a person who means "now" presses Ctrl-C again after that, and the process exits.
 */
import type { Logger } from 'pino';

/** Relays come within tens of milliseconds (more on a loaded machine); people are slower. */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1000;

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** The part of `process` this needs, so tests can hand in their own. */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
  exitCode?: number | string | null | undefined;
}

export interface CloseOnSignalsOptions {
  duplicateWindowMs?: number;
  target?: SignalTarget;
  now?: () => number;
}

export function closeOnSignals(
  logger: Logger,
  deadlineMs: number,
  close: () => Promise<void>,
  options: CloseOnSignalsOptions = {},
): void {
  const target = options.target ?? process;
  const now = options.now ?? Date.now;
  const windowMs = options.duplicateWindowMs ?? DUPLICATE_SIGNAL_WINDOW_MS;
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      const sinceFirst = now() - firstAt;
      if (sinceFirst <= windowMs) {
        logger.debug({ signal, sinceFirstMs: sinceFirst }, 'same signal again (relayed): ignored');
        return;
      }
      logger.warn({ signal }, 'second signal: exiting now');
      target.exit(130);
      return;
    }
    firstAt = now();
    logger.info({ signal, exitAtOnce: `the signal again after ${windowMs} ms` }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed: exiting');
      target.exit(1);
    }, deadlineMs + 2000).unref();
    close().then(
      () => {
        clearTimeout(deadline);
        target.exitCode = 0;
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        target.exit(1);
      },
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) target.on(signal, onSignal);
}

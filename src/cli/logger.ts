/**
 * The logger of `serve` and `worker`: pino, as JSON lines for log collectors, or as readable
 * lines (pino-pretty: time, level, message, then the fields) for a person at a terminal.
 * `--log-format auto` decides by whether stdout is a terminal, so `npm start` in a shell reads
 * well and the same command under a supervisor or in a pipe still writes JSON.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { ServerOptions } from '../config/options.js';
import { logSerializers } from '../http/log-serializers.js';

export function cliLogger(
  options: Pick<ServerOptions, 'logLevel' | 'logFormat'>,
  stdout: { isTTY?: boolean } = process.stdout,
): Logger {
  const settings = { level: options.logLevel, serializers: logSerializers };
  const terminal = stdout.isTTY === true;
  if (logFormatFor(options.logFormat, terminal) === 'json') return pino(settings);
  // In the main thread and synchronous: a line is on screen before the next statement runs,
  // also the last ones before an exit.
  return pino(
    settings,
    pretty({
      sync: true,
      // https://no-color.org: a set, non-empty NO_COLOR turns colours off.
      colorize: terminal && !process.env.NO_COLOR,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    }),
  );
}

/** What `--log-format` means for an output that is (or is not) a terminal. */
export function logFormatFor(
  format: ServerOptions['logFormat'],
  terminal: boolean,
): 'json' | 'pretty' {
  if (format === 'auto') return terminal ? 'pretty' : 'json';
  return format;
}

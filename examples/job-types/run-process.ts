/**
 * Runs a program for a job and settles only once it has exited — the part of a transcode job
 * that is easy to get wrong:
 *
 * - **Every ChildProcess needs an 'error' listener.** A program that cannot start (ENOENT) or a
 *   kill that fails is reported as an 'error' event; with no listener Node throws it as an
 *   uncaught exception and the whole server exits. (`spawn(..., { signal })` also emits one on
 *   abort, which is why this helper handles the signal itself instead.)
 * - **Cancel, timeout and shutdown all arrive as `ctx.signal`.** The program gets SIGTERM, and
 *   SIGKILL if it is still running `killGraceMs` later. The promise rejects with the signal's
 *   reason only after the program exited, so the job's run (and a graceful shutdown) waits for
 *   it and nothing is left running.
 * - **Exit codes and stderr.** A non-zero exit or a death by signal rejects with ProcessExit,
 *   carrying the last lines of stderr for the server log; what clients see is the job type's
 *   choice (stderr can hold paths and internals).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunProcessOptions {
  /** The job's `ctx.signal`. */
  signal: AbortSignal;
  /** Called with each line the program writes to stdout (progress, for many tools). */
  onStdoutLine?: (line: string) => void;
  /** Time between SIGTERM and SIGKILL once the signal aborts (default 5 s). */
  killGraceMs?: number;
  /** How much of the end of stderr to keep (default 4 KiB). */
  stderrTailBytes?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The program ended unsuccessfully: a non-zero exit code, or killed by a signal. */
export class ProcessExit extends Error {
  override readonly name = 'ProcessExit';
  constructor(
    readonly exitCode: number | null,
    readonly exitSignal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(exitCode !== null ? `exited with code ${exitCode}` : `killed by ${exitSignal}`);
  }
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions,
): Promise<{ stderrTail: string }> {
  const { signal, killGraceMs = 5000, stderrTailBytes = 4096 } = options;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-stderrTailBytes);
    });
    const lines = createInterface({ input: child.stdout });
    if (options.onStdoutLine) lines.on('line', options.onStdoutLine);

    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    signal.addEventListener('abort', stop, { once: true });

    let failed: Error | undefined;
    // Not starting at all (ENOENT, EACCES) arrives here, and 'close' still follows.
    child.on('error', (error) => (failed ??= error));
    child.on('close', (exitCode, exitSignal) => {
      signal.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      if (signal.aborted) reject(signal.reason as Error);
      else if (failed) reject(failed);
      else if (exitCode === 0) resolve({ stderrTail: stderr });
      else reject(new ProcessExit(exitCode, exitSignal, stderr));
    });
  });
}

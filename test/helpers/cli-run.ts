/**
 * Runs the real CLI, `bin/backend-patterns.js` (which runs dist/: `npm run build` first), in a
 * child process, and resolves with its exit code and output — a failing command resolves too,
 * since its exit code is what a test checks.
 */
import { execFile } from 'node:child_process';

const BIN = new URL('../../bin/backend-patterns.js', import.meta.url).pathname;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` is the command's whole environment (pass `{ ...process.env, … }` to add to it). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<CliRun>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

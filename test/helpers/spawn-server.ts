/**
 * Runs the real CLI (`backend-patterns serve`) in a child process, for tests about processes:
 * crashes, signals, restarts. The child gets its own process group so it can be killed with
 * everything it started, and it is always killed when the test finishes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';

export interface SpawnedServer {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export async function spawnServer(args: string[], timeoutMs = 15_000): Promise<SpawnedServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--port', '0', '--host', '127.0.0.1', ...args],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'info' },
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server process did not start');
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-pid, 'SIGKILL');
      await exited;
    }
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`server did not start in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const match = /"event":"listening","url":"([^"]+)"/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { child, pid, url, lines, exited };
}

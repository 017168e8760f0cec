/**
 * Runs the real CLI (`backend-patterns serve`) in a child process, for tests about processes:
 * crashes, signals, restarts. The child gets its own process group so it can be killed with
 * everything it started, and it is always killed when the test finishes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';

export interface SpawnedProcess {
  child: ChildProcess;
  pid: number;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnedServer extends SpawnedProcess {
  url: string;
}

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/**
 * `backend-patterns serve` on 127.0.0.1 and a free port; resolves once it listens. `nodeFlags`
 * are given to node itself (`--max-old-space-size=…`).
 */
export async function spawnServer(
  args: string[],
  timeoutMs = 15_000,
  nodeFlags: string[] = [],
): Promise<SpawnedServer> {
  const cliArgs = ['serve', '--port', '0', '--host', '127.0.0.1', ...args];
  return spawnCli(cliArgs, /"event":"listening","url":"([^"]+)"/, timeoutMs, nodeFlags);
}

/** `backend-patterns worker`; resolves once it is ready (its `url` is empty). */
export async function spawnWorker(args: string[], timeoutMs = 15_000): Promise<SpawnedServer> {
  return spawnCli(['worker', ...args], /"event":"worker-ready"/, timeoutMs);
}

/**
 * Runs `node --import tsx <script> ...args` in a process group of its own (with an IPC channel
 * when asked), collecting its output; it is killed with its group when the test finishes.
 */
export function spawnNode(
  script: string,
  args: string[],
  options: {
    ipc?: boolean;
    exposeGc?: boolean;
    nodeFlags?: string[];
    /** Variables added to the environment. */
    env?: NodeJS.ProcessEnv;
  } = {},
) {
  const node = [
    '--import',
    'tsx',
    ...(options.exposeGc ? ['--expose-gc'] : []),
    ...(options.nodeFlags ?? []),
  ];
  const child = spawn(process.execPath, [...node, script, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the process did not start');
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
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const spawned: SpawnedProcess = { child, pid, lines, stderr: () => stderr, exited };
  return spawned;
}

/** Runs the CLI and resolves when a stdout line matches `ready` (group 1, if any, is the URL). */
async function spawnCli(
  args: string[],
  ready: RegExp,
  timeoutMs: number,
  nodeFlags: string[] = [],
): Promise<SpawnedServer> {
  const spawned = spawnNode(CLI, args, { nodeFlags });
  const { child, exited } = spawned;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`server did not start in ${timeoutMs} ms; stderr: ${spawned.stderr()}`));
    }, timeoutMs);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${spawned.stderr()}`));
    });
    if (!child.stdout) throw new Error('no stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = ready.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    });
  });
  return { ...spawned, url };
}

/**
 * Starts server-process.ts in a child process of its own (so it can be frozen, killed and
 * measured from outside) and talks to it: its URL, its internal figures, its resident memory.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { ServerOptions } from '../../../src/config/options.js';
import { spawnNode, type SpawnedProcess } from '../../helpers/spawn-server.js';
import { tempDir } from '../../helpers/temp-dir.js';
import type { ChildMessage, ParentMessage, ServerStats } from './server-process.js';

const SCRIPT = new URL('./server-process.ts', import.meta.url).pathname;

export interface TortureServer extends SpawnedProcess {
  url: string;
  dataDir: string;
  /** Internal figures (after a full GC). */
  stats(): Promise<ServerStats>;
  /** Resident memory from /proc, readable even while the process is frozen. */
  rssBytes(): number;
  freeze(): void;
  thaw(): void;
  /** Lines it logged at level error or fatal (pino 50, 60): a fault the server noticed. */
  failures(): string[];
}

export async function startTortureServer(
  options: Partial<ServerOptions> = {},
  timeoutMs = 20_000,
): Promise<TortureServer> {
  const dataDir = options.dataDir ?? tempDir();
  const given: Partial<ServerOptions> = {
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    cpuWorkers: 1,
    ...options,
    dataDir,
  };
  const spawned = spawnNode(SCRIPT, [JSON.stringify(given)], { ipc: true, exposeGc: true });
  const { child, pid } = spawned;
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`server did not start in ${timeoutMs} ms: ${spawned.stderr()}`));
    }, timeoutMs);
    child.on('message', (message: ChildMessage) => {
      if (message.type !== 'listening') return;
      clearTimeout(timer);
      resolve(message.url);
    });
    void spawned.exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${spawned.stderr()}`));
    });
  });
  const url = await listening;
  return {
    ...spawned,
    url,
    dataDir,
    async stats() {
      const reply = once(child, 'message', {}).then(([message]) => message as ChildMessage);
      child.send({ type: 'stats', gc: true } satisfies ParentMessage);
      const message = await reply;
      if (message.type !== 'stats') throw new Error(`unexpected message ${message.type}`);
      return message;
    },
    rssBytes() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    failures: () => spawned.lines.filter((line) => /"level":(5|6)\d/.test(line)),
    freeze: () => process.kill(-pid, 'SIGSTOP'),
    thaw: () => process.kill(-pid, 'SIGCONT'),
  };
}

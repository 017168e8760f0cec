/**
 * A private redis-server for one test file: started on a free port with no persistence (or
 * with AOF when a test asks), stopped by PID. When the binary is missing, `redisAvailable` is
 * false and the Redis suites report themselves skipped with the reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_BINARY = process.env.REDIS_SERVER ?? 'redis-server';
export const redisAvailable =
  spawnSync(REDIS_BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
export const redisSkipReason = `${REDIS_BINARY} is not installed (apt-get install redis-server)`;

export interface RedisProcess {
  url: string;
  port: number;
  /** Its working directory (AOF files live here). */
  dir: string;
  /** The running redis-server's process id (a restart starts a new one). */
  pid(): number;
  /** Stops the server (SIGTERM, or SIGKILL with `hard`) and waits for it to exit. */
  stop(hard?: boolean): Promise<void>;
  /**
   * Starts it again on the same port and directory (for restart tests); `empty` first deletes
   * what it persisted, `args` are added to its command line (`--maxmemory-policy allkeys-lru`).
   */
  restart(options?: { empty?: boolean; args?: string[] }): Promise<void>;
  /** Freezes / thaws the process (SIGSTOP / SIGCONT). */
  freeze(): void;
  thaw(): void;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export interface RedisStartOptions {
  appendOnly?: boolean;
  /** With appendOnly (default `always`). */
  appendfsync?: 'always' | 'everysec' | 'no';
}

export async function startRedis(options: RedisStartOptions = {}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bp-redis-'));
  let child: ChildProcess | undefined;

  const launch = async (extra: string[] = []) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push('--appendonly', options.appendOnly ? 'yes' : 'no');
    if (options.appendOnly) args.push('--appendfsync', options.appendfsync ?? 'always');
    args.push(...extra);
    const proc = spawn(REDIS_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('redis-server did not start'));
      }, 10_000);
      proc.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${String(code)}`));
      });
    });
  };

  const stop = async (hard = false) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGCONT');
    proc.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: async ({ empty = false, args = [] } = {}) => {
      await stop();
      if (empty) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
      }
      await launch(args);
    },
    pid: () => child?.pid ?? 0,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    dir,
  };
}

/** Stops the server and removes its directory. */
export async function stopRedis(redis: RedisProcess): Promise<void> {
  await redis.stop(true);
  rmSync(redis.dir, { recursive: true, force: true });
}

/**
 * A private redis-server for the scale suite: a free port, no persistence (the suite measures
 * fan-out and reads, not durable writes), stopped by PID with everything else.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../test/helpers/redis-server.js';
import { cpuSecondsOf, rssOf, track, untrack, type BenchProcess } from './processes.js';

export async function startRedis(): Promise<BenchProcess> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(process.env.REDIS_SERVER ?? 'redis-server', args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server did not start');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('redis-server was not ready in 10 s'));
    }, 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${String(code)}`));
    });
  });
  const redis: BenchProcess = {
    pid,
    url: `redis://127.0.0.1:${port}`,
    cpuSeconds: () => cpuSecondsOf(pid),
    rssBytes: () => rssOf(pid),
    async stop() {
      untrack(redis);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
  track(redis);
  return redis;
}

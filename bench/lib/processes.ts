/**
 * Benchmark servers run in their own processes, so their CPU time can be read apart from the
 * load generator's (Linux /proc). Each prints a JSON line {"ready": "<url>"} when it listens.
 * Everything started here is stopped by PID (its process group) when the run ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { compiled } from './build.js';

export interface BenchProcess {
  pid: number;
  url: string;
  /** User + system CPU seconds used so far. */
  cpuSeconds(): number;
  /** Resident set size in bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

const started = new Set<BenchProcess>();

const CLOCK_TICKS = 100; // Linux USER_HZ

export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

export interface StartOptions {
  /** Node flags before the script, e.g. `--expose-gc` or `--cpu-prof`. */
  execArgv?: string[];
  timeoutMs?: number;
}

/**
 * Starts the compiled form of `script` (a .ts path; see build.ts) in its own process group and
 * resolves once it prints its ready line.
 */
export async function startNodeScript(
  script: string,
  env: Record<string, string>,
  { execArgv = [], timeoutMs = 20_000 }: StartOptions = {},
): Promise<BenchProcess> {
  const args = [...execArgv, compiled(script)];
  const child: ChildProcess = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${script} did not start`);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${script} was not ready in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${String(code)}`));
    });
    if (!child.stdout) throw new Error('no stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /"ready":"([^"]+)"/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const proc: BenchProcess = {
    pid,
    url,
    cpuSeconds: () => cpuSecondsOf(pid),
    rssBytes: () => rssOf(pid),
    async stop() {
      started.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(-pid, 'SIGTERM');
      const timer = setTimeout(() => {
        process.kill(-pid, 'SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  started.add(proc);
  return proc;
}

/** Stops everything still running (also on Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop()));
}

/** Registers a process started elsewhere (client workers, redis-server) for stopAll(). */
export function track(proc: BenchProcess): void {
  started.add(proc);
}

export function untrack(proc: BenchProcess): void {
  started.delete(proc);
}

/**
 * A forced full GC in a server started with GC_ON_SIGNAL and GC_REPORT_FILE=`reportFile`;
 * resolves with its memory after the collection (process.memoryUsage(), from gc-on-signal.js).
 */
export async function collectGarbage(
  proc: BenchProcess,
  reportFile: string,
): Promise<NodeJS.MemoryUsage> {
  rmSync(reportFile, { force: true });
  process.kill(proc.pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  while (!existsSync(reportFile)) {
    if (Date.now() > deadline) throw new Error(`no GC report from ${String(proc.pid)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // A moment more: the report is written right after the collection; the RSS settles after.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return JSON.parse(readFileSync(reportFile, 'utf8')) as NodeJS.MemoryUsage;
}

/** Node flags that make SIGUSR2 run a full collection in the server (gc-on-signal.js). */
export const GC_ON_SIGNAL = [
  '--expose-gc',
  '--import',
  new URL('../gc-on-signal.js', import.meta.url).pathname,
];

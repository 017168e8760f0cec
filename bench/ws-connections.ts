/**
 * How many WebSocket clients one server holds, its memory per connection, and its fan-out rate.
 * Informational, not part of `npm test`.
 *
 *   npx tsx bench/ws-connections.ts [--connections 10000] [--workers 2] [--messages 20]
 *
 * The server runs in its own process (so its open-file limit of 20,000 counts only its own
 * sockets); clients are spread over `--workers` processes, each on its own loopback source
 * address (127.0.0.2, 127.0.0.3, …) for its own range of ephemeral ports. Every client
 * subscribes to one chat topic; the server's memory is read from /metrics before and after;
 * then one publisher sends `--messages` messages and every client times the last one.
 * Everything it starts is stopped by PID, and every wait has a deadline.
 */
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '2' },
    messages: { type: 'string', default: '20' },
    role: { type: 'string', default: 'main' },
    url: { type: 'string' },
    count: { type: 'string' },
    address: { type: 'string' },
  },
});
const TOPIC = 'chat:bench';

interface WorkerReport {
  type: 'ready' | 'received' | 'failed';
  connected?: number;
  lastAt?: number;
  error?: string;
}

if (values.role === 'client') await client();
else await main();

/** A client worker: opens `count` connections, subscribes each, reports; then times delivery. */
async function client(): Promise<void> {
  const count = Number(values.count);
  const messages = Number(values.messages);
  const sockets: WebSocket[] = [];
  let complete = 0;
  let lastAt = 0;
  const send = (report: WorkerReport) => process.send?.(report);
  const open = async (): Promise<void> => {
    const ws = new WebSocket(values.url ?? '', { localAddress: values.address });
    sockets.push(ws);
    let received = 0;
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type !== 'event') return;
      received += 1;
      if (received === messages) {
        lastAt = Date.now();
        complete += 1;
        if (complete === count) send({ type: 'received', lastAt });
      }
    });
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'subscribe', topic: TOPIC }));
  };
  try {
    // Batches of concurrent handshakes: the server's accept queue is finite.
    for (let i = 0; i < count; i += 250) {
      await Promise.all(Array.from({ length: Math.min(250, count - i) }, open));
    }
    send({ type: 'ready', connected: sockets.length });
  } catch (error) {
    send({ type: 'failed', error: String(error), connected: sockets.length });
  }
  process.on('message', () => {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  });
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

interface Memory {
  rss: number;
  heap: number;
  external: number;
}

/** The server's memory after a full collection (SIGUSR2, see gc-on-signal.js). */
async function memory(url: string, pid: number): Promise<Memory> {
  process.kill(pid, 'SIGUSR2');
  await sleep(1000); // the collection runs on the server's loop; give it time to finish
  return {
    rss: await metric(url, 'process_resident_memory_bytes'),
    heap: await metric(url, 'nodejs_heap_size_used_bytes'),
    external: await metric(url, 'nodejs_external_memory_bytes'),
  };
}

async function main(): Promise<void> {
  const total = Number(values.connections);
  const workers = Number(values.workers);
  const messages = Number(values.messages);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-ws-'));
  const cli = new URL('../src/cli/main.ts', import.meta.url).pathname;
  const server = spawn(
    process.execPath,
    [
      ...['--expose-gc', '--import', new URL('gc-on-signal.js', import.meta.url).pathname],
      ...['--import', 'tsx', cli, 'serve', '--port', '0', '--host', '127.0.0.1'],
      ...['--data-dir', dataDir, '--db', ':memory:', '--log-level', 'info'],
      ...['--max-connections-per-ip', String(total), '--ws-publish-rate', '100000'],
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const serverPid = server.pid ?? 0;
  const stopServer = async () => {
    if (server.exitCode === null) {
      process.kill(-serverPid, 'SIGTERM');
      await once(server, 'exit');
    }
  };
  try {
    const httpUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('server did not start'));
      }, 20_000);
      createInterface({ input: server.stdout }).on('line', (line) => {
        const match = /"url":"([^"]+)"/.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const wsUrl = `${httpUrl.replace('http', 'ws')}/ws`;
    const before = await memory(httpUrl, serverPid);

    const started = performance.now();
    const children = Array.from({ length: workers }, (_, i) => {
      const count = Math.floor(total / workers) + (i < total % workers ? 1 : 0);
      return fork(
        new URL(import.meta.url).pathname,
        [
          ...['--role', 'client', '--url', wsUrl, '--count', String(count)],
          ...['--address', `127.0.0.${2 + i}`, '--messages', String(messages)],
        ],
        { execArgv: ['--import', 'tsx'] },
      );
    });
    const reports = (type: WorkerReport['type'], timeoutMs: number) =>
      Promise.all(
        children.map(
          (child) =>
            new Promise<WorkerReport>((resolve, reject) => {
              const timer = setTimeout(() => {
                reject(new Error(`no ${type} in time`));
              }, timeoutMs);
              child.on('message', (report: WorkerReport) => {
                if (report.type === 'failed') reject(new Error(report.error));
                if (report.type !== type) return;
                clearTimeout(timer);
                resolve(report);
              });
            }),
        ),
      );
    try {
      const ready = await reports('ready', 300_000);
      const connected = ready.reduce((n, r) => n + (r.connected ?? 0), 0);
      const connectSeconds = (performance.now() - started) / 1000;
      const held = await metric(httpUrl, 'ws_connections');
      const after = await memory(httpUrl, serverPid);

      const publisher = new WebSocket(wsUrl);
      await once(publisher, 'open');
      const received = reports('received', 300_000);
      const cpuBefore = await metric(httpUrl, 'process_cpu_seconds_total');
      const publishedAt = Date.now();
      for (let i = 0; i < messages; i++) {
        publisher.send(JSON.stringify({ type: 'publish', topic: TOPIC, data: { i } }));
      }
      const lastAt = Math.max(...(await received).map((r) => r.lastAt ?? 0));
      const seconds = (lastAt - publishedAt) / 1000;
      const serverCpu = (await metric(httpUrl, 'process_cpu_seconds_total')) - cpuBefore;
      publisher.terminate();

      const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
      const line = (key: keyof Memory) =>
        `${key} ${kib(before[key])} → ${kib(after[key])} (${kib((after[key] - before[key]) / held)} per connection)`;
      console.log(`
connections opened: ${connected} in ${connectSeconds.toFixed(1)} s; held by the server: ${held}
server memory after a full GC: ${line('heap')}; ${line('external')}; ${line('rss')}
fan-out: ${messages} messages to ${held} subscribers = ${messages * held} deliveries in ${seconds.toFixed(2)} s → ${Math.round((messages * held) / seconds)} deliveries/s (clients and server share the cores)
server CPU for it: ${serverCpu.toFixed(2)} s → ${Math.round((messages * held) / serverCpu)} deliveries per server CPU second`);
    } finally {
      for (const child of children) {
        if (child.exitCode === null) {
          child.send('stop');
          const exited = await Promise.race([once(child, 'exit').then(() => true), sleep(5000)]);
          if (exited !== true) child.kill('SIGKILL');
        }
      }
    }
  } finally {
    await stopServer();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

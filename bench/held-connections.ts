/**
 * What held connections cost the server: thousands of long polls waiting, then thousands of
 * open event streams, each measured against the same server's baseline.
 *
 *   npx tsx bench/held-connections.ts [--waiters 5000] [--streams 5000]
 *
 * The server runs in a child process (the real CLI, SQLite in memory) so its memory is its own
 * and each process stays far below the 20,000 open-file limit; clients are raw TCP sockets in
 * this process, on loopback. Memory is the server's resident set (VmRSS) and V8 heap in use
 * (from /metrics, with frequent forced GCs so it is live memory), after the connections are
 * open and a second of quiet; each row starts a fresh server. Everything stops by
 * itself: every wait is bounded, and the server is killed by its process group at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    waiters: { type: 'string', default: '5000' },
    streams: { type: 'string', default: '5000' },
  },
});
const WAITERS = Number(values.waiters);
const STREAMS = Number(values.streams);
const JOBS = 5;
const BATCH = 250;
const DEADLINE = Date.now() + 300_000;

/** Runs the real CLI in its own process group; a collected heap is sampled every 250 ms. */
async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bp-bench-'));
  const cli = new URL('../src/cli/main.ts', import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    [
      // Frequent full GCs, so "heap in use" is live memory rather than garbage not yet collected.
      '--expose-gc',
      '--import',
      'data:text/javascript,setInterval(()=>globalThis.gc(),250).unref()',
      '--import',
      'tsx',
      cli,
      'serve',
      ...['--port', '0', '--host', '127.0.0.1', '--db', ':memory:', '--data-dir', dataDir],
      ...['--long-poll-max-wait', '10m', '--log-level', 'info'],
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const pid = child.pid ?? 0;
  const stop = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('the server did not start'));
    }, 20_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const found = /"event":"listening","url":"([^"]+)"/.exec(line)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  return { url, pid, stop };
}

let server = await startServer();
let base = server.url;
const { hostname, port } = new URL(base);

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) {
    if (Date.now() > DEADLINE) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

async function metric(name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${label} `));
  return Number(line?.split(' ').at(-1) ?? 0);
}

interface Sample {
  rssKiB: number;
  heapKiB: number;
  fds: number;
}

async function sample(): Promise<Sample> {
  await sleep(1000);
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const heapKiB = Math.round((await metric('nodejs_heap_size_used_bytes')) / 1024);
  return { rssKiB, heapKiB, fds: readdirSync(`/proc/${server.pid}/fd`).length };
}

async function runningJobs(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const response = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'demo', input: { stepMs: 60_000 } }),
    });
    ids.push(((await response.json()) as { id: string }).id);
  }
  await until('jobs running', async () => {
    const seqs = await Promise.all(
      ids.map(
        async (id) => ((await (await fetch(`${base}/jobs/${id}`)).json()) as { seq: number }).seq,
      ),
    );
    return seqs.every((seq) => seq === 2);
  });
  return ids;
}

/** Opens `count` raw connections sending `request(i)`, in batches the listen backlog takes. */
async function openConnections(count: number, request: (i: number) => string, to = Number(port)) {
  const sockets: Socket[] = [];
  let answered = 0;
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => {
      const socket = connect({ host: hostname, port: to });
      socket.setNoDelay(true);
      socket.once('data', () => answered++);
      socket.on('error', () => undefined);
      sockets.push(socket);
      return new Promise<void>((resolve) => {
        socket.once('connect', () => {
          socket.write(request(start + k));
          resolve();
        });
      });
    });
    await Promise.all(batch);
  }
  return { sockets, answered: () => answered };
}

const cancelAll = (ids: string[]) =>
  Promise.all(ids.map((id) => fetch(`${base}/jobs/${id}`, { method: 'DELETE' })));

const kib = (n: number) => `${(n / 1024).toFixed(1)} MiB`;
const rows: string[] = [];
const record = (what: string, count: number, before: Sample, after: Sample, wake: number) => {
  const rss = after.rssKiB - before.rssKiB;
  const heap = after.heapKiB - before.heapKiB;
  rows.push(
    `| ${what} | ${count} | ${kib(before.rssKiB)} → ${kib(after.rssKiB)} | ` +
      `${((rss * 1024) / count / 1024).toFixed(1)} KiB | ${((heap * 1024) / count / 1024).toFixed(1)} KiB | ` +
      `${after.fds - before.fds} | ${wake.toFixed(0)} ms |`,
  );
};

try {
  // Warm up the routes once so their compilation is not counted as per-connection cost.
  const warm = await runningJobs();
  await fetch(`${base}/jobs/${warm[0] ?? ''}?after=1&wait=1`);
  await cancelAll(warm);

  const pollJobs = await runningJobs();
  const beforePolls = await sample();
  const polls = await openConnections(
    WAITERS,
    (i) =>
      `GET /jobs/${pollJobs[i % JOBS] ?? ''}?after=2&wait=300 HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`,
  );
  await until(
    'long polls held',
    async () =>
      (await metric('transport_open_connections', '{transport="long-polling"}')) === WAITERS,
  );
  const withPolls = await sample();
  let woke = performance.now();
  await cancelAll(pollJobs);
  await until('every long poll answered', () => polls.answered() === WAITERS);
  woke = performance.now() - woke;
  record('long polls held', WAITERS, beforePolls, withPolls, woke);
  for (const socket of polls.sockets) socket.destroy();

  // A fresh server, so the streams' memory is not hidden in what the long polls left behind.
  server.stop();
  server = await startServer();
  base = server.url;

  const streamWarm = await runningJobs();
  await cancelAll(streamWarm);
  const streamJobs = await runningJobs();
  const beforeStreams = await sample();
  const streams = await openConnections(
    STREAMS,
    (i) => `GET /jobs/${streamJobs[i % JOBS] ?? ''}/events HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`,
    Number(new URL(base).port),
  );
  await until(
    'streams open',
    async () => (await metric('transport_open_connections', '{transport="sse"}')) === STREAMS,
  );
  const withStreams = await sample();
  let closed = 0;
  for (const socket of streams.sockets) socket.once('end', () => closed++);
  let fanOut = performance.now();
  await cancelAll(streamJobs);
  await until('every stream ended after its terminal event', () => closed === STREAMS);
  fanOut = performance.now() - fanOut;
  record('SSE streams open', STREAMS, beforeStreams, withStreams, fanOut);

  console.log(
    `\nServer: Node ${process.version}, ${JOBS} running jobs, a fresh server process per row; clients in the bench process.\n\n` +
      '| held | count | server RSS | RSS per connection | V8 heap per connection | server fds added | one event to all (answered / ended) |\n' +
      '| --- | --- | --- | --- | --- | --- | --- |\n' +
      rows.join('\n'),
  );
} finally {
  server.stop();
}

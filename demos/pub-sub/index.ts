/**
 * Publish/subscribe chapter: a server, two publishers and three subscribers, each its own
 * process. One subscriber is deliberately slow (20 ms a message, reading nothing meanwhile).
 *
 *   npx tsx demos/pub-sub/index.ts              # no credits: the slow one's backlog grows until cut
 *   npx tsx demos/pub-sub/index.ts --credits    # credits: it gets what it can take, others unaffected
 *
 * Every second it prints each subscriber's counters and what the server holds for it. Runs for
 * --seconds (10), then stops every process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createServer } from '../../src/server.js';
import { commandLine } from '../command-line.js';

const values = commandLine({
  command: 'npx tsx demos/pub-sub/index.ts',
  summary:
    'Runs a server, two publishers and three subscribers (one slow) and prints what each gets.',
  options: {
    credits: { kind: 'flag', help: 'subscribers take only what they can (a prefetch window)' },
    seconds: { kind: 'integer', default: 10, min: 1, max: 600, help: 'how long publishers run' },
  },
});
const seconds = values.seconds;
const dataDir = mkdtempSync(join(tmpdir(), 'pub-sub-demo-'));
const server = await createServer(
  { port: 0, host: '127.0.0.1', dataDir, db: ':memory:', wsPublishRate: 5000, logLevel: 'warn' },
  { logger: pino({ level: 'warn' }) },
);
await server.listen();
const { port } = server.app.server.address() as AddressInfo;
const url = `ws://127.0.0.1:${port}/ws`;

const credits = (window: number) => (values.credits ? ['--credits', String(window)] : []);
const run = seconds + 2; // subscribers outlive the publishers a little, to drain
const processes: [string, string[]][] = [
  ['publisher', ['--name', 'prices', '--topic', 'chat:prices', '--rate', '800']],
  ['publisher', ['--name', 'news', '--topic', 'chat:news', '--rate', '200']],
  ['subscriber', ['--name', 'fast-1', '--topics', 'chat:prices,chat:news', ...credits(500)]],
  ['subscriber', ['--name', 'fast-2', '--topics', 'chat:prices', ...credits(500)]],
  [
    'subscriber',
    ['--name', 'slow', '--topics', 'chat:prices,chat:news', '--work-ms', '20', ...credits(10)],
  ],
];

interface Counters {
  name: string;
  received?: number;
  gaps?: number;
  published?: number;
  closed?: number;
  reason?: string;
}
const latest = new Map<string, Counters>();
const children: ChildProcess[] = processes.map(([role, args]) => {
  const script = new URL(`${role}.ts`, import.meta.url).pathname;
  const time = role === 'publisher' ? String(seconds) : String(run);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, '--url', url, '--seconds', time, ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    const counters = JSON.parse(text) as Counters;
    latest.set(counters.name, { ...latest.get(counters.name), ...counters });
  });
  return child;
});

console.log(
  values.credits
    ? 'With credits: each subscriber says how many messages it can take (slow: 10 at a time).'
    : 'Without credits: the server pushes everything to everyone as fast as it comes.',
);
console.log('  t  subscriber  received  msgs/s  lost (seq gaps)  server holds (peak)  state');
const previous = new Map<string, number>();
const cut = new Map<string, string>();
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
for (let t = 1; t <= run; t++) {
  await sleep(1000);
  const stats = server.websocket.stats();
  for (const name of ['fast-1', 'fast-2', 'slow']) {
    const c = latest.get(name) ?? { name };
    const received = c.received ?? 0;
    const perSecond = received - (previous.get(name) ?? 0);
    previous.set(name, received);
    const s = stats.find((x) => x.names.includes(name));
    if (s?.closing && !cut.has(name)) cut.set(name, `${s.closing} at ${t} s after ${received}`);
    const holds = s ? `${kib(s.bufferedBytes)} (${kib(s.peakBufferedBytes)})` : '-';
    const state = s?.closing
      ? `the server is closing it: ${s.closing}`
      : s
        ? `open${s.credits === undefined ? '' : `, ${s.held} waiting for credit`}`
        : c.closed === undefined
          ? 'starting'
          : `closed ${c.closed} ${c.reason ?? ''}`;
    console.log(
      `${String(t).padStart(3)}  ${name.padEnd(10)}  ${String(received).padStart(8)}  ${String(perSecond).padStart(6)}  ${String(c.gaps ?? 0).padStart(15)}  ${holds.padStart(19)}  ${state}`,
    );
  }
}

const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
const pick = (name: string) =>
  metrics.body
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('; ');
console.log(`
published: ${['prices', 'news'].map((n) => `${n} ${String(latest.get(n)?.published ?? 0)}`).join(', ')}
cut by the server: ${[...cut].map(([name, why]) => `${name} (${why} messages)`).join(', ') || 'none'}
server metrics: ${pick('ws_dropped_total')}; ${pick('ws_conflated_total')}`);

for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
await server.close();
rmSync(dataDir, { recursive: true, force: true });

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { runBroadcast } from './lib/broadcast.js';
import { startOurServer } from './lib/our-server.js';
import { startNodeScript, stopAll } from './lib/processes.js';
import { BARE_WS } from './lib/suite.js';
import { OPEN_CHAT } from './suites/fan-out.js';
const kind = process.argv[2] as 'ours' | 'ws';
const server =
  kind === 'ours'
    ? await startOurServer(mkdtempSync('/tmp/bpdbg-'), OPEN_CHAT)
    : await startNodeScript(BARE_WS, {});
const strace = spawn(
  'strace',
  ['-c', '-f', '-p', String(server.pid), '-o', `/tmp/strace-${kind}.txt`],
  { stdio: 'inherit' },
);
await new Promise((r) => setTimeout(r, 500));
try {
  const r = await runBroadcast({
    kind,
    urls: [server.url],
    clients: 500,
    workers: 2,
    cpuSeconds: () => server.cpuSeconds(),
    paced: { rate: 1, seconds: 1 },
    flatOut: { messages: 200, window: 10 },
  });
  console.log(kind, JSON.stringify(r.flatOut), (r.flatOut.cpuSeconds / r.flatOut.delivered) * 1e6);
} finally {
  strace.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 500));
  await stopAll();
}

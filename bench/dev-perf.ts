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
    ? await startOurServer(mkdtempSync('/tmp/bpdbg-'), OPEN_CHAT, {
        execArgv: ['--perf-basic-prof'],
      })
    : await startNodeScript(BARE_WS, {}, { execArgv: ['--perf-basic-prof'] });
let perf: ReturnType<typeof spawn> | undefined;
try {
  const r = await runBroadcast({
    kind,
    urls: [server.url],
    clients: 1000,
    workers: 2,
    cpuSeconds: () => server.cpuSeconds(),
    paced: { rate: 1, seconds: 1 },
    flatOut: { messages: 1, window: 10 },
  });
  perf = spawn(
    'perf',
    ['record', '-F', '999', '-g', '-p', String(server.pid), '-o', `/tmp/perf-${kind}.data`],
    { stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 300));
  const r2 = await runBroadcast({
    kind,
    urls: [server.url],
    clients: 1000,
    workers: 2,
    cpuSeconds: () => server.cpuSeconds(),
    paced: { rate: 1, seconds: 1 },
    flatOut: { messages: 400, window: 10 },
  });
  console.log(kind, (r2.flatOut.cpuSeconds / r2.flatOut.delivered) * 1e6, r.paced.delivered);
} finally {
  perf?.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 1500));
  await stopAll();
}

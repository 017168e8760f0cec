import { mkdtempSync } from 'node:fs';
import { runBroadcast } from './lib/broadcast.js';
import { startOurServer } from './lib/our-server.js';
import { startNodeScript, stopAll } from './lib/processes.js';
import { BARE_WS } from './lib/suite.js';
import { OPEN_CHAT } from './suites/fan-out.js';
const kind = process.argv[2] as 'ours' | 'ws';
const dir = `/tmp/prof-${kind}`;
const execArgv = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
const server =
  kind === 'ours'
    ? await startOurServer(
        mkdtempSync('/tmp/bpdbg-'),
        OPEN_CHAT,
        process.env.PROF ? { execArgv } : {},
      )
    : await startNodeScript(BARE_WS, {}, {});
try {
  const r = await runBroadcast({
    kind,
    urls: [server.url],
    clients: 1000,
    workers: 2,
    cpuSeconds: () => server.cpuSeconds(),
    paced: { rate: 1, seconds: 1 },
    flatOut: { messages: 500, window: 10 },
  });
  console.log(kind, JSON.stringify(r.flatOut), (r.flatOut.cpuSeconds / r.flatOut.delivered) * 1e6);
} finally {
  await stopAll();
}

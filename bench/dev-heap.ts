import { mkdtempSync, readdirSync } from 'node:fs';
import { startOurServer, startTickers } from './lib/our-server.js';
import { stopAll } from './lib/processes.js';
import { fromAll, startWorkers, sourceAddress } from './lib/workers.js';
const kind = process.argv[2] as 'ws' | 'sse';
const dir = mkdtempSync('/tmp/heap-');
const server = await startOurServer(
  mkdtempSync('/tmp/bpdbg-'),
  { WS_MAX_CONNECTIONS_PER_IP: '100000' },
  { execArgv: ['--heapsnapshot-signal=SIGHUP', `--diagnostic-dir=${dir}`] },
);
try {
  let url = `${server.url.replace('http', 'ws')}/ws`;
  if (kind === 'sse') {
    const [job] = await startTickers(server.url, 'never', 1, { updates: 1, intervalMs: 1000 });
    url = `${server.url}/jobs/${job}/events`;
  }
  const w = startWorkers(
    new URL('./clients/idle-connections.ts', import.meta.url).pathname,
    1,
    () => ({ kind, url, count: 2000, address: sourceAddress(0) }),
  );
  await fromAll(w, 'ready', 60000);
  process.kill(server.pid, 'SIGHUP');
  for (let i = 0; i < 200 && readdirSync(dir).length === 0; i++)
    await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 8000));
  console.log(dir, readdirSync(dir));
} finally {
  await stopAll();
}

/**
 * Push chapter: starts the real server on port 8080 (like the original demo; --port or PORT
 * to change it) with a 3 s heartbeat and `Origin: null` allowed, so index.html works opened
 * straight from disk. The pattern lives in src/transports/websocket.ts.
 *
 *   npx tsx demos/push/index.ts [--port 8080]
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '../../src/cli/serve.js';
import { optionsFromText } from '../../src/config/options.js';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
// The chapter's defaults sit under the environment, so WS_HEARTBEAT=25s etc. still win.
const env = {
  PORT: '8080',
  WS_HEARTBEAT: '3s',
  ALLOW_NULL_ORIGIN: 'true',
  LOG_LEVEL: 'warn',
  ...process.env,
};
const server = await serve(optionsFromText({ port: values.port }, env));
const { port } = server.app.server.address() as AddressInfo;
const base = `http://localhost:${port}`;
const page = fileURLToPath(new URL('index.html', import.meta.url));
console.log(`
Push server on ${base} — WebSocket at ${base.replace('http', 'ws')}/ws, heartbeat every ${server.options.wsHeartbeat / 1000} s

  Chat: open the page in two browser tabs, straight from disk
          file://${page}
        or served by the server
          ${base}/push/
        join with a name in each, and talk.
  Watch a job: start one and paste its jobId into "Watch a job":
          curl -X POST ${base}/submit -H 'content-type: application/json' -d '{"stepMs":1000}'
  Stop this server and watch the pages notice (heartbeat age) and reconnect with backoff.

Ctrl-C stops the server.`);

/**
 * Push chapter: starts the real server on port 8080 (like the original demo; --port or PORT
 * to change it) with a 3 s heartbeat and `Origin: null` allowed, so index.html works opened
 * straight from disk. The pattern lives in src/transports/websocket.ts.
 *
 *   npx tsx demos/push/index.ts [--port 8080]
 */
import { fileURLToPath } from 'node:url';
import { serveChapter } from '../serve-chapter.js';

const page = fileURLToPath(new URL('index.html', import.meta.url));

await serveChapter({
  name: 'push',
  title: 'Push',
  settings: { PORT: '8080', WS_HEARTBEAT: '3s', ALLOW_NULL_ORIGIN: 'true' },
  steps: (
    base,
    server,
  ) => `  WebSocket at ${base.replace('http', 'ws')}/ws, heartbeat every ${server.options.wsHeartbeat / 1000} s

  Chat: open the page in two browser tabs, straight from disk
          file://${page}
        or served by the server
          ${base}/push/
        join with a name in each, and talk.
  Watch a job: start one and paste its id into "Watch a job":
          curl -X POST ${base}/submit -H 'content-type: application/json' -d '{"stepMs":1000}'
  Stop this server and watch the pages notice (heartbeat age) and reconnect with backoff.`,
});

/**
 * Server-Sent Events chapter: starts the real server (port 8000 unless PORT or --port says
 * otherwise) and prints the walk-through. The pattern itself lives in src/transports/sse.ts;
 * the browser page (index.html, page.js here) is served at /sse/.
 *
 *   npx tsx demos/sse/index.ts
 */
import { serveChapter } from '../serve-chapter.js';

await serveChapter({
  name: 'sse',
  title: 'Server-sent events',
  steps: (base) => `  1. Submit a job:        curl -X POST ${base}/submit
  2. Watch it stream:     curl -N ${base}/jobs/<jobId>/events
  3. Resume after seq 5:  curl -N ${base}/jobs/<jobId>/events -H "Last-Event-ID: 5"
  In a browser:           ${base}/sse/`,
});

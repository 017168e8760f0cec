/**
 * Short Polling chapter: starts the real server (port 8000 unless PORT or --port says otherwise)
 * and prints the overview's walk-through. The pattern itself lives in
 * src/transports/short-polling.ts.
 *
 *   npx tsx demos/short-polling/index.ts
 */
import { serveChapter } from '../serve-chapter.js';

await serveChapter({
  name: 'short-polling',
  title: 'Short polling',
  steps: (base) => `  1. Submit a job:        curl -X POST ${base}/submit
  2. Every 2 seconds ask: curl "${base}/check-status?jobId=<jobId from step 1>"
  Or let a client do it:  npx tsx demos/short-polling/client.ts`,
});

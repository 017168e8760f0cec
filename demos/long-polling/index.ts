/**
 * Long Polling chapter: starts the real server (port 8000 unless PORT or --port says otherwise)
 * and prints the walk-through. The pattern itself lives in src/transports/long-polling.ts.
 *
 *   npx tsx demos/long-polling/index.ts
 */
import { serveChapter } from '../serve-chapter.js';

await serveChapter({
  name: 'long-polling',
  title: 'Long polling',
  steps: (base) => `  1. Submit a job:           curl -X POST ${base}/submit
  2. Ask, and wait for news: curl "${base}/check-status?jobId=<jobId>&after=<seq>&wait=30"
     (answers at once if the job is past seq <seq>, else when it changes, or after 30 s)
  Or let a client do it:     npx tsx demos/long-polling/client.ts`,
});

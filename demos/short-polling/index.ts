/**
 * Short Polling chapter: starts the real server (port 8000 unless PORT or --port says otherwise)
 * and prints the overview's walk-through. The pattern itself lives in
 * src/transports/short-polling.ts.
 *
 *   npx tsx demos/short-polling/index.ts
 */
import { optionsFromText } from '../../src/config/options.js';
import { serve } from '../../src/cli/serve.js';

const port = process.argv.includes('--port')
  ? process.argv[process.argv.indexOf('--port') + 1]
  : undefined;
const server = await serve(optionsFromText({ port, logLevel: 'warn' }, process.env));
const base = `http://localhost:${server.options.port}`;
console.log(`
Short polling server on ${base}

  1. Submit a job:        curl -X POST ${base}/submit
  2. Every 2 seconds ask: curl "${base}/check-status?jobId=<jobId from step 1>"
  Or let a client do it:  npx tsx demos/short-polling/client.ts

Ctrl-C stops the server.`);

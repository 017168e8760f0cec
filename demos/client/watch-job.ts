/**
 * The client SDK in a script: submit a demo job and follow it to the end over one transport,
 * then print what that cost. In your own project, import from 'backend-patterns/client'.
 *
 *   npx tsx demos/client/watch-job.ts [--url http://localhost:8000] [--via auto] [--step-ms 500]
 */
import { parseArgs } from 'node:util';
import { ClientError, createClient, type TransportChoice } from '../../src/client/index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:8000' },
    via: { type: 'string', default: 'auto' },
    'step-ms': { type: 'string', default: '500' },
  },
});
const client = createClient({ baseUrl: values.url });

try {
  const job = await client.submit('demo', { stepMs: Number(values['step-ms']) });
  const watch = client.watch(job, { transport: values.via as TransportChoice });
  for await (const snapshot of watch) {
    console.log(`${snapshot.status} ${snapshot.progress}% (seq ${snapshot.seq})`);
  }
  const { transport, requests, updates, bytes, meanDelayMs } = watch.stats;
  console.log(
    `via ${transport ?? '?'}: ${requests} requests, ${updates} changes, ${bytes} bytes, ` +
      `mean delay ${Math.round(meanDelayMs ?? 0)} ms`,
  );
} catch (error) {
  // The server's error codes (docs/errors.md), or network_error when it is not there.
  if (!(error instanceof ClientError)) throw error;
  console.error(`${error.code}${error.status ? ` (HTTP ${error.status})` : ''}: ${error.message}`);
  process.exitCode = 1;
}

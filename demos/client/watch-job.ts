/**
 * The client SDK in a script: submit a demo job and follow it to the end over one transport,
 * then print what that cost. In your own project, import from 'backend-patterns/client'.
 *
 *   npx tsx demos/client/watch-job.ts [--url http://localhost:8000] [--via auto] [--step-ms 500]
 */
import { createClient, TRANSPORTS, type TransportChoice } from '../../src/client/index.js';
import { commandLine } from '../command-line.js';
import { CLIENT_OPTIONS } from '../demo-client.js';
import { reportClientError } from './report-client-error.js';

const values = commandLine({
  command: 'npx tsx demos/client/watch-job.ts',
  summary: 'Submits a demo job and follows it to the end with the client SDK.',
  options: {
    ...CLIENT_OPTIONS,
    'step-ms': { ...CLIENT_OPTIONS['step-ms'], default: 500 },
    via: { kind: 'choice', default: 'auto', choices: ['auto', ...TRANSPORTS], help: 'transport' },
  },
});
const client = createClient({ baseUrl: values.url });

try {
  const job = await client.submit('demo', { stepMs: values['step-ms'] });
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
  reportClientError(error);
}

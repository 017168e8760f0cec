/**
 * The dashboard's comparison in a terminal: one demo job, watched through all four transports
 * at once with the SDK, then a table of what each cost.
 *
 *   npx tsx demos/client/compare-transports.ts [--url http://localhost:8000] [--step-ms 300] [--poll-ms 100]
 */
import { createClient, TRANSPORTS } from '../../src/client/index.js';
import { commandLine } from '../command-line.js';
import { CLIENT_OPTIONS } from '../demo-client.js';
import { reportClientError } from './report-client-error.js';

const values = commandLine({
  command: 'npx tsx demos/client/compare-transports.ts',
  summary: 'Watches one demo job through all four transports at once, then prints what each cost.',
  options: {
    ...CLIENT_OPTIONS,
    'step-ms': { ...CLIENT_OPTIONS['step-ms'], default: 300 },
    'poll-ms': {
      kind: 'integer',
      default: 100,
      min: 10,
      max: 60_000,
      help: 'ms between short polls',
    },
  },
});
const client = createClient({ baseUrl: values.url });
const job = await client.submit('demo', { stepMs: values['step-ms'] }).catch(reportClientError);
console.log(`job ${job.id}: watching through ${TRANSPORTS.join(', ')}`);

const results = await Promise.all(
  TRANSPORTS.map(async (transport) => {
    const watch = client.watch(job, { transport, pollIntervalMs: values['poll-ms'] });
    let last = job;
    for await (const snapshot of watch) last = snapshot;
    return { ...watch.stats, transport, status: last.status };
  }),
).catch(reportClientError);

console.table(
  Object.fromEntries(
    results.map((r) => [
      r.transport,
      {
        final: r.status,
        requests: r.requests,
        connections: r.connections,
        changes: r.updates,
        bytes: r.bytes,
        'mean delay ms': Math.round(r.meanDelayMs ?? 0),
      },
    ]),
  ),
);

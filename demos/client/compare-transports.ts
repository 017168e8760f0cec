/**
 * The dashboard's comparison in a terminal: one demo job, watched through all four transports
 * at once with the SDK, then a table of what each cost.
 *
 *   npx tsx demos/client/compare-transports.ts [--url http://localhost:8000] [--step-ms 300] [--poll-ms 100]
 */
import { parseArgs } from 'node:util';
import { createClient, TRANSPORTS } from '../../src/client/index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:8000' },
    'step-ms': { type: 'string', default: '300' },
    'poll-ms': { type: 'string', default: '100' },
  },
});
const client = createClient({ baseUrl: values.url });
const job = await client.submit('demo', { stepMs: Number(values['step-ms']) });
console.log(`job ${job.id}: watching through ${TRANSPORTS.join(', ')}`);

const results = await Promise.all(
  TRANSPORTS.map(async (transport) => {
    const watch = client.watch(job, { transport, pollIntervalMs: Number(values['poll-ms']) });
    let last = job;
    for await (const snapshot of watch) last = snapshot;
    return { ...watch.stats, transport, status: last.status };
  }),
);

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

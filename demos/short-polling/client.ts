/**
 * A short-polling client: submits a demo job, then asks for its status every 2 seconds until it
 * finishes, sending the last ETag so unchanged answers are bodiless 304s. At the end it prints
 * what the pattern cost: how many polls, and how many of them learned nothing.
 *
 *   npx tsx demos/short-polling/client.ts [--url http://localhost:8000] [--interval 2000] [--step-ms 3000]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine } from '../command-line.js';
import { CLIENT_OPTIONS, EXIT, elapsed, runClient, stamp, submitDemoJob } from '../demo-client.js';

const args = commandLine({
  command: 'npx tsx demos/short-polling/client.ts',
  summary: 'Submits a demo job and polls its status on a timer until it ends.',
  options: {
    ...CLIENT_OPTIONS,
    interval: {
      kind: 'integer',
      default: 2000,
      min: 100,
      max: 60_000,
      help: 'ms between polls',
    },
  },
});
const { url: base, 'step-ms': stepMs, interval: intervalMs } = args;

interface Snapshot {
  status: string;
  progress: number;
}

await runClient(base, 'npx tsx demos/short-polling/index.ts', async () => {
  const jobId = await submitDemoJob(base, stepMs);
  console.log(
    `${stamp()}  submitted job ${jobId} (10% every ${stepMs} ms); polling every ${intervalMs} ms`,
  );

  let etag: string | undefined;
  let polls = 0;
  let unchanged = 0;
  let bytes = 0;
  for (;;) {
    await sleep(intervalMs);
    const response = await fetch(`${base}/check-status?jobId=${jobId}`, {
      headers: etag ? { 'if-none-match': etag } : {},
    });
    polls++;
    const body = await response.text();
    bytes += body.length;
    if (response.status === 304) {
      unchanged++;
      console.log(`${stamp()}  poll ${String(polls).padStart(2)}: 304 not modified`);
      continue;
    }
    if (response.status !== 200) {
      console.error(`${stamp()}  poll ${polls}: ${response.status} ${body}`);
      process.exit(EXIT.refused);
    }
    etag = response.headers.get('etag') ?? undefined;
    const job = JSON.parse(body) as Snapshot;
    console.log(`${stamp()}  poll ${String(polls).padStart(2)}: ${job.status} ${job.progress}%`);
    if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'canceled') break;
  }

  console.log(
    `
${polls} polls in ${elapsed()} s: ${polls - unchanged} brought news, ` +
      `${unchanged} (${Math.round((unchanged * 100) / polls)}%) returned no change (304, no body).
${bytes} body bytes received. Long polling (next chapter) needs about one request per change.`,
  );
});

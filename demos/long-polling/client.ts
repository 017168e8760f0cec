/**
 * A long-polling client: submits a demo job, then asks "anything after seq n?" with
 * `after=n&wait=30` — the server holds each request until the job changes — and prints every
 * change as it happens. At the end it prints what the pattern cost, to compare with
 * demos/short-polling/client.ts: about one request per change, none wasted.
 *
 *   npx tsx demos/long-polling/client.ts [--url http://localhost:8000] [--wait 30] [--step-ms 3000]
 */
import { commandLine } from '../command-line.js';
import { CLIENT_OPTIONS, EXIT, elapsed, runClient, stamp, submitDemoJob } from '../demo-client.js';

const args = commandLine({
  command: 'npx tsx demos/long-polling/client.ts',
  summary: 'Submits a demo job and long-polls it: each request is held until the job changes.',
  options: {
    ...CLIENT_OPTIONS,
    wait: {
      kind: 'integer',
      default: 30,
      min: 1,
      max: 600,
      help: 'seconds the server may hold each request (it caps this at --long-poll-max-wait)',
    },
  },
});
const { url: base, 'step-ms': stepMs, wait: waitSeconds } = args;

interface Snapshot {
  status: string;
  progress: number;
  seq: number;
}

await runClient(base, 'npx tsx demos/long-polling/index.ts', async () => {
  const jobId = await submitDemoJob(base, stepMs);
  console.log(
    `${stamp()}  submitted job ${jobId} (10% every ${stepMs} ms); long polling with wait=${waitSeconds}`,
  );

  // The cursor is all the state there is: the seq of the last snapshot seen (0 = none yet).
  let after = 0;
  let requests = 0;
  let timeouts = 0;
  let changes = 0;
  for (;;) {
    const response = await fetch(
      `${base}/check-status?jobId=${jobId}&after=${after}&wait=${waitSeconds}`,
    );
    requests++;
    const body = await response.text();
    if (response.status !== 200) {
      console.error(`${stamp()}  request ${requests}: ${response.status} ${body}`);
      process.exit(EXIT.refused);
    }
    const job = JSON.parse(body) as Snapshot;
    const outcome = response.headers.get('long-poll-outcome') ?? '?';
    if (job.seq === after) {
      // The wait ran out with nothing new: ask again at once.
      timeouts++;
      console.log(
        `${stamp()}  request ${String(requests).padStart(2)}: no change in ${waitSeconds} s`,
      );
      continue;
    }
    changes++;
    after = job.seq;
    console.log(
      `${stamp()}  request ${String(requests).padStart(2)}: seq ${job.seq} ${job.status} ${job.progress}% (${outcome})`,
    );
    if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'canceled') break;
  }

  console.log(
    `
${requests} requests in ${elapsed()} s: ${changes} brought news, ` +
      `${timeouts} timed out with no change.
Each answer came the moment the job changed. The short-polling client polls every 2 s and
learns nothing from about a third of its polls; here a request waits on the server instead.`,
  );
});

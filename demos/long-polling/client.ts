/**
 * A long-polling client: submits a demo job, then asks "anything after seq n?" with
 * `after=n&wait=30` — the server holds each request until the job changes — and prints every
 * change as it happens. At the end it prints what the pattern cost, to compare with
 * demos/short-polling/client.ts: about one request per change, none wasted.
 *
 *   npx tsx demos/long-polling/client.ts [--url http://localhost:8000] [--wait 30] [--step-ms 3000]
 */
import { clientArgs, elapsed, stamp, submitDemoJob } from '../demo-client.js';

const { base, stepMs, extra } = clientArgs({ wait: '30' });
const waitSeconds = Number(extra.wait);

interface Snapshot {
  status: string;
  progress: number;
  seq: number;
}

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
    process.exit(1);
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

/**
 * `backend-patterns submit <type> [--watch]`: submits, and with --watch follows the job through
 * the SDK until it ends, then prints the result (exit 0) or the error (exit 1).
 */
import type { BackoffPolicy, Client, Job, TransportChoice } from '../client/index.js';
import { EXIT } from './exit-codes.js';
import { describeJob } from './format-job.js';
import { watchDisplay } from './watch-display.js';

export interface SubmitFlags {
  input?: unknown;
  idempotencyKey?: string;
  attempts?: number;
  backoff?: BackoffPolicy;
  priority?: number;
  delay?: number;
  runAt?: string;
  keepFor?: number;
  watch?: boolean;
  via: TransportChoice;
  json?: boolean;
}

export async function submit(client: Client, type: string, flags: SubmitFlags): Promise<number> {
  const json = flags.json === true;
  const job = await client.submit(type, flags.input, {
    idempotencyKey: flags.idempotencyKey,
    attempts: flags.attempts,
    backoff: flags.backoff,
    priority: flags.priority,
    delayMs: flags.delay,
    runAt: flags.runAt,
    keepFor: flags.keepFor,
  });
  if (!flags.watch) {
    process.stdout.write(`${json ? JSON.stringify(job) : describeJob(job)}\n`);
    return EXIT.ok;
  }
  const mode = json ? 'json' : process.stderr.isTTY ? 'tty' : 'lines';
  // The id at once, so the job can be looked at or canceled from another terminal meanwhile
  // (with --json the first snapshot carries it).
  if (mode === 'tty') process.stderr.write(`job ${job.id} submitted; Ctrl-C stops watching\n`);
  if (mode === 'lines') process.stdout.write(`job ${job.id}\n`);
  const display = watchDisplay(mode);
  // Ctrl-C stops watching, not the job: say how to find it again. A wrapper (npm run) relays
  // the terminal's SIGINT once more; every copy lands here, none ends the process early.
  const controller = new AbortController();
  const onSigint = () => {
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const watch = client.watch(job, { transport: flags.via, signal: controller.signal });
  let last: Job = job;
  try {
    for await (const snapshot of watch) {
      last = snapshot;
      display.update(snapshot, watch.stats);
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    display.stop();
    process.stderr.write(`stopped watching; the job goes on: ${cliName()} status ${job.id}\n`);
    return EXIT.interrupted;
  } finally {
    process.off('SIGINT', onSigint);
  }
  display.stop();
  if (!json) process.stdout.write(`${outcome(last, watch.stats.transport)}\n`);
  return last.status === 'succeeded' ? EXIT.ok : EXIT.jobFailed;
}

function outcome(job: Job, via: string | undefined): string {
  const seconds = (Date.parse(job.updatedAt) - Date.parse(job.createdAt)) / 1000;
  const head = `${job.status} after ${seconds.toFixed(1)} s (job ${job.id}, watched via ${via ?? '?'})`;
  if (job.status === 'succeeded') return `${head}\nresult: ${JSON.stringify(job.result)}`;
  if (job.error) return `${head}\nerror: ${job.error.code}: ${job.error.message}`;
  return head;
}

/**
 * How this command is started here: `npm run -s cli --` in a clone (npm sets
 * npm_lifecycle_event; `-s` also keeps npm from echoing the command line, where it masks
 * anything shaped like a UUID as `***`), the `backend-patterns` bin where it is installed.
 */
export function cliName(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_lifecycle_event === 'cli' ? 'npm run -s cli --' : 'backend-patterns';
}

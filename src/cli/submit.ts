/**
 * `backend-patterns submit <type> [--watch]`: submits, and with --watch follows the job through
 * the SDK until it ends, then prints the result (exit 0) or the error (exit 1).
 */
import type { Client, Job, TransportChoice } from '../client/index.js';
import { EXIT } from './exit-codes.js';
import { describeJob } from './format-job.js';
import { watchDisplay } from './watch-display.js';

export interface SubmitFlags {
  input?: unknown;
  idempotencyKey?: string;
  watch?: boolean;
  via: TransportChoice;
  json?: boolean;
}

export async function submit(client: Client, type: string, flags: SubmitFlags): Promise<number> {
  const json = flags.json === true;
  const job = await client.submit(type, flags.input, { idempotencyKey: flags.idempotencyKey });
  if (!flags.watch) {
    process.stdout.write(`${json ? JSON.stringify(job) : describeJob(job)}\n`);
    return EXIT.ok;
  }
  const display = watchDisplay(json ? 'json' : process.stderr.isTTY ? 'tty' : 'lines');
  // Ctrl-C stops watching, not the job: say how to find it again.
  const controller = new AbortController();
  const onSigint = () => {
    controller.abort();
  };
  process.once('SIGINT', onSigint);
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
    process.stderr.write(`stopped watching; the job goes on: backend-patterns status ${job.id}\n`);
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

/**
 * The commands that talk to a running server through the SDK: submit (optionally watching the
 * job to its end), status, cancel, list; `webhooks …` (webhook-commands.ts) and `schedules …`
 * (schedule-commands.ts) use the helpers here. `--url` (or BACKEND_PATTERNS_URL) says where the
 * server is, `--token` (or BACKEND_PATTERNS_TOKEN) gives an API key; `--json` prints
 * machine-readable output. Exit codes: exit-codes.ts.
 */
import { Command, Option } from 'commander';
import { createClient, TRANSPORTS, type Client, type JobStatus } from '../client/index.js';
import { JOB_STATUSES } from '../model/job.js';
import { duration, parseJson, parseLimit, queueFlags, wholeNumber } from './client-flags.js';
import { EXIT, reportFailure } from './exit-codes.js';
import { describeJob, jobTable } from './format-job.js';
import { submit, type SubmitFlags } from './submit.js';

const DEFAULT_URL = 'http://localhost:8000';

export interface CommonFlags {
  url: string;
  token?: string;
  json?: boolean;
}

export function clientCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .addOption(
      new Option('--url <url>', 'server address').env('BACKEND_PATTERNS_URL').default(DEFAULT_URL),
    )
    .addOption(
      new Option('--token <key>', 'API key, for servers run with --api-keys').env(
        'BACKEND_PATTERNS_TOKEN',
      ),
    )
    .option('--json', 'print JSON instead of text');
}

/** Runs a command body with a client; its failures become exit codes. */
export async function withClient(flags: CommonFlags, body: (client: Client) => Promise<number>) {
  let code: number;
  try {
    code = await body(createClient({ baseUrl: flags.url, token: flags.token }));
  } catch (error) {
    code = reportFailure(error, flags.json === true);
  }
  process.exitCode = code;
}

export function print(flags: CommonFlags, value: unknown, text: string): void {
  process.stdout.write(`${flags.json ? JSON.stringify(value) : text}\n`);
}

export function clientCommands(): Command[] {
  const submitCommand = clientCommand('submit', 'Submit a job; with --watch, follow it to the end.')
    .argument('<type>', 'job type, e.g. demo, primes, hash-file (GET /job-types lists them)')
    .option('--input <json>', 'the job input as JSON, e.g. \'{"stepMs":500}\'', parseJson)
    .option('--idempotency-key <key>', 'retries with the same key return the same job');
  queueFlags(submitCommand)
    .option('--delay <ms>', 'wait this many ms before the first run', wholeNumber)
    .option('--run-at <iso>', 'do not run before this time (ISO 8601)')
    .option(
      '--keep-for <duration>',
      "keep the job this long once finished, e.g. 1h or 7d (default: the server's --retention)",
      duration,
    )
    .option('--watch', 'follow the job until it ends: progress bar, then the result or error')
    .addOption(
      new Option('--via <transport>', 'how --watch follows the job')
        .choices([...TRANSPORTS, 'auto'])
        .default('auto'),
    )
    .action(async (type: string, flags: CommonFlags & SubmitFlags) => {
      await withClient(flags, (client) => submit(client, type, flags));
    });

  const statusCommand = clientCommand('status', "Print a job's current snapshot.")
    .argument('<id>', 'job id')
    .action(async (id: string, flags: CommonFlags) => {
      await withClient(flags, async (client) => {
        const job = await client.get(id);
        print(flags, job, describeJob(job));
        return EXIT.ok;
      });
    });

  const cancelCommand = clientCommand('cancel', 'Cancel a queued or running job.')
    .argument('<id>', 'job id')
    .action(async (id: string, flags: CommonFlags) => {
      await withClient(flags, async (client) => {
        const job = await client.cancel(id);
        print(flags, job, `canceled ${job.id}`);
        return EXIT.ok;
      });
    });

  const listCommand = clientCommand('list', 'List jobs, newest first.')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'jobs per page, 1–100', parseLimit, 20)
    .option('--cursor <cursor>', 'the next page, from a previous answer')
    .action(async (flags: CommonFlags & ListFlags) => {
      await withClient(flags, async (client) => {
        const { status, type, limit, cursor } = flags;
        const page = await client.list({ status, type, limit, cursor });
        print(flags, page, jobTable(page));
        return EXIT.ok;
      });
    });

  return [submitCommand, statusCommand, cancelCommand, listCommand];
}

interface ListFlags {
  status?: JobStatus;
  type?: string;
  limit: number;
  cursor?: string;
}

/**
 * The commands that talk to a running server through the SDK: submit (optionally watching the
 * job to its end), status, cancel, list, and `webhooks …` (webhook-commands.ts). `--url` (or BACKEND_PATTERNS_URL) says where the
 * server is, `--token` (or BACKEND_PATTERNS_TOKEN) gives an API key; `--json` prints
 * machine-readable output. Exit codes: exit-codes.ts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  createClient,
  PRIORITY_MAX,
  PRIORITY_MIN,
  TRANSPORTS,
  type BackoffPolicy,
  type Client,
  type JobStatus,
} from '../client/index.js';
import { parseDuration } from '../model/duration.js';
import { JOB_STATUSES } from '../model/job.js';
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidArgumentError('not valid JSON');
  }
}

export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new InvalidArgumentError('a whole number from 1 to 100');
  }
  return limit;
}

function integer(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new InvalidArgumentError('a whole number');
  return value;
}

export function wholeNumber(text: string): number {
  const value = integer(text);
  if (value < 0) throw new InvalidArgumentError('a whole number, 0 or more');
  return value;
}

/** `90s`, `1h`, `7d` or ms; the server checks the bounds (and names the field). */
function duration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError('a duration such as 90s, 1h, 7d, or ms');
  return ms;
}

/** `exponential:1000`, `fixed:500`, `exponential:1000:60000` (type, delay, cap in ms). */
function parseBackoff(text: string): BackoffPolicy {
  const [type, delay, max] = text.split(':');
  if ((type !== 'fixed' && type !== 'exponential') || delay === undefined) {
    throw new InvalidArgumentError('fixed:<ms> or exponential:<ms>[:<max ms>]');
  }
  const policy: BackoffPolicy = { type, delayMs: wholeNumber(delay) };
  if (max !== undefined) policy.maxDelayMs = wholeNumber(max);
  return policy;
}

export function clientCommands(): Command[] {
  const submitCommand = clientCommand('submit', 'Submit a job; with --watch, follow it to the end.')
    .argument('<type>', 'job type, e.g. demo, primes, hash-file (GET /job-types lists them)')
    .option('--input <json>', 'the job input as JSON, e.g. \'{"stepMs":500}\'', parseJson)
    .option('--idempotency-key <key>', 'retries with the same key return the same job')
    .option(
      '--attempts <n>',
      'runs it may have in all; failures before the last are retried',
      wholeNumber,
    )
    .option(
      '--backoff <type:ms[:maxMs]>',
      'the wait before each retry, e.g. exponential:1000:60000 or fixed:500',
      parseBackoff,
    )
    .option(
      '--priority <n>',
      `higher runs first (${PRIORITY_MIN} to ${PRIORITY_MAX}, default 0)`,
      integer,
    )
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

/**
 * `backend-patterns schedules …`: recurring schedules through the SDK (`client.schedules`):
 * create, list, get, pause, resume, delete. Each tick of a schedule creates one job
 * (docs/queue.md#recurring-schedules); exit codes and problem output are those of every client
 * command (exit-codes.ts).
 */
import { Command } from 'commander';
import { clientCommand, print, withClient, type CommonFlags } from './client-commands.js';
import { parseJson, parseLimit, queueFlags, type QueueFlags } from './client-flags.js';
import { EXIT } from './exit-codes.js';
import { describeSchedule, scheduleTable } from './format-schedule.js';

interface CreateFlags extends CommonFlags, QueueFlags {
  cron: string;
  timezone?: string;
  input?: unknown;
}

const EXAMPLES = `
Examples:
  $ backend-patterns schedules create demo --cron '*/5 * * * *' --input '{"stepMs":100}'
  $ backend-patterns schedules create primes --cron '0 9 * * 1-5' --timezone Europe/Berlin --input '{"n":1000}'
  $ backend-patterns schedules list
  $ backend-patterns schedules pause <id>`;

export function scheduleCommands(): Command {
  const create = queueFlags(
    clientCommand('create', 'Create a schedule: each tick of --cron creates one job of <type>.')
      .argument('<type>', 'job type of the jobs it creates (GET /job-types lists them)')
      .requiredOption(
        '--cron <expression>',
        "when it fires: 5 fields ('0 9 * * 1-5'), or 6 with seconds first ('*/10 * * * * *')",
      )
      .option('--timezone <zone>', 'IANA time zone the expression is read in (default UTC)')
      .option('--input <json>', "each job's input as JSON, checked now", parseJson),
  ).action(async (type: string, flags: CreateFlags) => {
    await withClient(flags, async (client) => {
      const { cron, timezone, input, attempts, backoff, priority } = flags;
      const schedule = await client.schedules.create({
        cron,
        type,
        ...(timezone !== undefined && { timezone }),
        ...(input !== undefined && { input }),
        ...(attempts !== undefined && { attempts }),
        ...(backoff !== undefined && { backoff }),
        ...(priority !== undefined && { priority }),
      });
      print(flags, schedule, describeSchedule(schedule));
      return EXIT.ok;
    });
  });

  const list = clientCommand('list', 'List schedules, newest first.')
    .option('--limit <n>', 'schedules per page, 1–100', parseLimit, 20)
    .option('--cursor <cursor>', 'the next page, from a previous answer')
    .action(async (flags: CommonFlags & { limit: number; cursor?: string }) => {
      await withClient(flags, async (client) => {
        const page = await client.schedules.list({ limit: flags.limit, cursor: flags.cursor });
        print(flags, page, scheduleTable(page));
        return EXIT.ok;
      });
    });

  const get = clientCommand('get', 'Print a schedule: its next run and its latest job.')
    .argument('<id>', 'schedule id')
    .action(async (id: string, flags: CommonFlags) => {
      await withClient(flags, async (client) => {
        const schedule = await client.schedules.get(id);
        print(flags, schedule, describeSchedule(schedule));
        return EXIT.ok;
      });
    });

  const actions = (['pause', 'resume'] as const).map((action) =>
    clientCommand(
      action,
      action === 'pause'
        ? 'Pause a schedule: no tick creates a job until it is resumed.'
        : 'Resume a schedule from the first tick after now.',
    )
      .argument('<id>', 'schedule id')
      .action(async (id: string, flags: CommonFlags) => {
        await withClient(flags, async (client) => {
          const schedule = await client.schedules[action](id);
          const next = schedule.nextRunAt === undefined ? '' : `; next run ${schedule.nextRunAt}`;
          print(flags, schedule, `${action === 'pause' ? 'paused' : 'resumed'} ${id}${next}`);
          return EXIT.ok;
        });
      }),
  );

  const remove = clientCommand('delete', 'Delete a schedule; the jobs it created stay.')
    .argument('<id>', 'schedule id')
    .action(async (id: string, flags: CommonFlags) => {
      await withClient(flags, async (client) => {
        await client.schedules.delete(id);
        print(flags, { deleted: id }, `deleted ${id}`);
        return EXIT.ok;
      });
    });

  const group = new Command('schedules')
    .description('Recurring schedules: each tick of a cron expression creates one job.')
    .addHelpText('after', EXAMPLES)
    .addCommand(create)
    .addCommand(list)
    .addCommand(get);
  for (const command of actions) group.addCommand(command);
  return group.addCommand(remove);
}

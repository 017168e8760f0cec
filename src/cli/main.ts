#!/usr/bin/env node
/**
 * The `backend-patterns` command. Every server option is a flag here and an environment
 * variable (see OPTION_SPECS); flags win.
 */
import { Command, Option } from 'commander';
import {
  OPTION_SPECS,
  defaultText,
  OptionsError,
  optionsFromText,
  type OptionSpec,
  type ServerOptions,
} from '../config/options.js';
import { VERSION } from '../config/version.js';
import { clientCommands } from './client-commands.js';
import { webhookCommands } from './webhook-commands.js';
import { scheduleCommands } from './schedule-commands.js';
import { demoCommand } from './demo.js';
import { EXIT } from './exit-codes.js';

function kebab(flag: string): string {
  return flag.replace(/^--/, '');
}

export function buildProgram(): Command {
  const program = new Command('backend-patterns')
    .description('A job-status service that teaches short polling, long polling, SSE and push.')
    .version(VERSION);

  const serveCommand = program
    .command('serve')
    .description('Run the HTTP server (embedded SQLite store by default, or --redis).');
  addOptions(serveCommand, () => true);
  // The server is imported only when it runs, so client commands start fast.
  serveCommand.action(async (flags: Flags) => {
    const { serve } = await import('./serve.js');
    await serve(optionsFromText(flags, process.env));
  });

  const workerCommand = program
    .command('worker')
    .description('Run job handlers from the Redis queue, without HTTP (needs --redis).');
  addOptions(workerCommand, (spec) => spec.worker === true);
  workerCommand.action(async (flags: Flags) => {
    const { runWorker } = await import('./worker.js');
    await runWorker(optionsFromText(flags, process.env));
  });
  program.addCommand(demoCommand());
  for (const command of clientCommands()) program.addCommand(command);
  program.addCommand(webhookCommands());
  program.addCommand(scheduleCommands());
  exitTwoOnUsageErrors(program);
  return program;
}

/** Commander exits 1 on a bad option; 2 says "usage error", as for bad server options. */
function exitTwoOnUsageErrors(command: Command): void {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.usage));
  for (const sub of command.commands) exitTwoOnUsageErrors(sub);
}

type Flags = Partial<Record<keyof ServerOptions, string>>;

function addOptions(command: Command, include: (spec: OptionSpec) => boolean): void {
  for (const [key, spec] of Object.entries(OPTION_SPECS)) {
    if (!include(spec)) continue;
    const shown = defaultText(key as keyof ServerOptions);
    command.addOption(
      new Option(
        `${spec.flag} <${kebab(spec.flag)}>`,
        `${spec.description} (default: ${shown}; env ${spec.env})`,
      ),
    );
  }
}

buildProgram()
  .parseAsync()
  .catch((error: unknown) => {
    if (error instanceof OptionsError) {
      console.error(`backend-patterns: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });

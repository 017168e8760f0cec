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
  type ServerOptions,
} from '../config/options.js';
import { VERSION } from '../version.js';
import { demoCommand } from './demo.js';
import { serve } from './serve.js';

function kebab(flag: string): string {
  return flag.replace(/^--/, '');
}

export function buildProgram(): Command {
  const program = new Command('backend-patterns')
    .description('A job-status service that teaches short polling, long polling, SSE and push.')
    .version(VERSION);

  const serveCommand = program
    .command('serve')
    .description('Run the HTTP server (embedded SQLite store by default).');
  for (const [key, spec] of Object.entries(OPTION_SPECS)) {
    const shown = defaultText(key as keyof ServerOptions);
    serveCommand.addOption(
      new Option(
        `${spec.flag} <${kebab(spec.flag)}>`,
        `${spec.description} (default: ${shown}; env ${spec.env})`,
      ),
    );
  }
  serveCommand.action(async (flags: Partial<Record<keyof ServerOptions, string>>) => {
    await serve(optionsFromText(flags, process.env));
  });
  program.addCommand(demoCommand());
  return program;
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

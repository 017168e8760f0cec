/**
 * What every chapter's `index.ts` does: start the real server (`backend-patterns serve`, with
 * its signal handling and logs) and print the chapter's walk-through with the right URL.
 *
 * Each chapter keeps its jobs in its own database, `<data-dir>/<chapter>.db`, so one chapter's
 * start does not recover (and re-run) the jobs another left behind. A chapter's own settings
 * (the push chapter's port 8080 and 3 s heartbeat) sit under the environment: `PORT=9000`,
 * `DB_PATH=…`, `LOG_LEVEL=debug` or any other variable of README's "Configuration" still wins,
 * and `--port` wins over all.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '../src/cli/serve.js';
import { OptionsError, optionsFromText, type ServerOptions } from '../src/config/options.js';
import type { Server } from '../src/server.js';
import { commandLine } from './command-line.js';

export interface Chapter {
  /** The chapter's folder under demos/, e.g. `short-polling`; also its database's name. */
  name: string;
  title: string;
  /** Server settings of this chapter, as environment variables (the environment wins). */
  settings?: Record<string, string>;
  /** The walk-through, for a server at `base`. */
  steps(base: string, server: Server): string;
}

/** The environment the chapter's server reads its options from. */
export function chapterEnvironment(
  chapter: Pick<Chapter, 'name' | 'settings'>,
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const dataDir = env.DATA_DIR || './data';
  return {
    DB_PATH: join(dataDir, `${chapter.name}.db`),
    ...chapter.settings,
    ...definedOnly(env),
  };
}

export async function serveChapter(chapter: Chapter): Promise<Server> {
  const { port } = commandLine({
    command: `npx tsx demos/${chapter.name}/index.ts`,
    summary: `Starts the ${chapter.title} chapter's server and prints its walk-through. Every server option is also an environment variable (README, "Configuration").`,
    options: { port: { kind: 'optional', help: 'HTTP port (default 8000, or PORT)' } },
  });
  let options: ServerOptions;
  try {
    options = optionsFromText({ port }, chapterEnvironment(chapter, process.env));
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    console.error(`${chapter.name}: ${error.message}`);
    process.exit(2);
  }
  const server = await serve(options);
  const { port: listening } = server.app.server.address() as AddressInfo;
  const base = `http://localhost:${listening}`;
  console.log(
    `\n${chapter.title} server on ${base}\n\n${chapter.steps(base, server)}\n\nCtrl-C stops the server.`,
  );
  return server;
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

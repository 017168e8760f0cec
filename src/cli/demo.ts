/**
 * `backend-patterns demo [chapter] [flags]`: runs a chapter's measured demo. Without a chapter,
 * lists them. Chapters that are a running server (short polling) start with `serve` instead.
 */
import { Command } from 'commander';
import { COMPARE_USAGE, UsageError, compareCli } from '../demos/sync-async/compare-cli.js';

interface Chapter {
  summary: string;
  usage: string;
  run(args: string[]): Promise<void>;
}

const CHAPTERS: Readonly<Record<string, Chapter>> = {
  'sync-async': {
    summary: 'read one file in every way and measure what the event loop goes through',
    usage: COMPARE_USAGE,
    run: compareCli,
  },
};

function chapterList(): string {
  const names = Object.keys(CHAPTERS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Chapters with a demo (backend-patterns demo <chapter> --help for its flags):',
    ...names.map((name) => `  ${name.padEnd(width)}  ${CHAPTERS[name]?.summary ?? ''}`),
  ].join('\n');
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('Run a chapter demo; without a chapter, list them.')
    .argument('[chapter]', 'chapter name, e.g. sync-async')
    .argument('[flags...]', "the chapter's own flags")
    .allowUnknownOption()
    .helpOption(false)
    .action(async (name: string | undefined, flags: string[]) => {
      if (name === undefined || name === '--help' || name === '-h') {
        console.log(chapterList());
        return;
      }
      const chapter = CHAPTERS[name];
      if (!chapter) {
        console.error(`backend-patterns: no chapter "${name}"\n${chapterList()}`);
        process.exitCode = 2;
        return;
      }
      try {
        await chapter.run(flags);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        console.error(`backend-patterns demo ${name}: ${error.message}\n\n${chapter.usage}`);
        process.exitCode = 2;
      }
    });
}

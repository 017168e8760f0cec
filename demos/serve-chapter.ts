/**
 * What every chapter's `index.ts` does: start the real server (port 8000 unless PORT or --port
 * says otherwise, quiet logs) and print the chapter's walk-through with the right URL.
 */
import { serve } from '../src/cli/serve.js';
import { optionsFromText } from '../src/config/options.js';

export async function serveChapter(title: string, steps: (base: string) => string): Promise<void> {
  const port = process.argv.includes('--port')
    ? process.argv[process.argv.indexOf('--port') + 1]
    : undefined;
  const server = await serve(optionsFromText({ port, logLevel: 'warn' }, process.env));
  const base = `http://localhost:${server.options.port}`;
  console.log(`\n${title} server on ${base}\n\n${steps(base)}\n\nCtrl-C stops the server.`);
}

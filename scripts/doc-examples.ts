/**
 * Keeps the example files quoted in docs in step with the files themselves. In a document,
 *
 *   <!-- example: examples/job-types/encode.ts -->
 *
 *   ```ts
 *   …the file, verbatim…
 *   ```
 *
 * marks a quote; `npm run docs:examples` rewrites every quoted block from its file, and
 * test/doc-examples.test.ts fails when a document and a file differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = new URL('../', import.meta.url);
/** The documents that quote examples. */
export const DOCS_WITH_EXAMPLES = [
  'docs/job-types.md',
  'docs/workers.md',
  'demos/pub-sub/README.md',
  'docs/security.md',
];

/** The marker, blank lines, then a fenced block (closed by the same fence it opened with). */
const QUOTE = /<!-- example: (\S+) -->\n+(`{3,})\w*\n(?:[\s\S]*?\n)??\2(?=\n|$)/g;
const LANGUAGE: Record<string, string> = {
  '.ts': 'ts',
  '.js': 'js',
  '.json': 'json',
  '.py': 'python',
  '.sh': 'sh',
};

/** `markdown` with every quoted block replaced by the current text of its file. */
export function withCurrentExamples(markdown: string): string {
  return markdown.replace(QUOTE, (_quote, path: string) => {
    const text = readFileSync(new URL(path, ROOT), 'utf8').trimEnd();
    // A fence longer than any run of backticks in the file (as Prettier writes it).
    const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
    const fence = '`'.repeat(longest + 1);
    return `<!-- example: ${path} -->\n\n${fence}${LANGUAGE[extname(path)] ?? ''}\n${text}\n${fence}`;
  });
}

/** The files a document quotes. */
export function quotedFiles(markdown: string): string[] {
  return [...markdown.matchAll(QUOTE)].map((match) => match[1] ?? '');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const doc of DOCS_WITH_EXAMPLES) {
    const url = new URL(doc, ROOT);
    writeFileSync(url, withCurrentExamples(readFileSync(url, 'utf8')));
    console.log(`wrote ${doc}`);
  }
}

/** The examples quoted in docs are the files tests run (npm run docs:examples rewrites them). */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCS_WITH_EXAMPLES, quotedFiles, withCurrentExamples } from '../scripts/doc-examples.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('examples quoted in docs', () => {
  it.each(DOCS_WITH_EXAMPLES)('%s quotes each file as it is', (doc) => {
    const text = read(doc);
    expect(quotedFiles(text).length).toBeGreaterThan(0);
    expect(text, 'run npm run docs:examples').toBe(withCurrentExamples(text));
  });

  it('docs/job-types.md quotes every file of examples/job-types', () => {
    const quoted = quotedFiles(read('docs/job-types.md'));
    const files = readdirSync(new URL('../examples/job-types/', import.meta.url));
    for (const file of files) expect(quoted).toContain(`examples/job-types/${file}`);
  });
});

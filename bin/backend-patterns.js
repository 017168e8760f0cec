#!/usr/bin/env node
// The backend-patterns command. An installed package has no src/ and always runs the compiled
// CLI in dist/ (never tsx, which is not one of its dependencies). A clone runs dist/ when it was
// built from the sources as they are now (scripts/build-freshness.js), and otherwise the
// TypeScript sources through tsx, so it never runs stale output.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const built = new URL('dist/cli/main.js', root);
const source = new URL('src/cli/main.ts', root);

if (!existsSync(source) || (await builtFromCurrentSources())) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
}

async function builtFromCurrentSources() {
  const { isBuildFresh } = await import(new URL('scripts/build-freshness.js', root).href);
  return isBuildFresh(fileURLToPath(root));
}

#!/usr/bin/env node
// Runs the built CLI (dist/) when present, otherwise the TypeScript source through tsx,
// so the command works both from a published package and from a fresh clone.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}

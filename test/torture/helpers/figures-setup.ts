/**
 * Global setup of the torture run: every case appends its figure to one file (figures.ts), and
 * at the end of the run they are printed together, in run order, and kept in
 * test-output/torture-figures.txt — the numbers docs/reliability.md quotes.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FIGURES_ENV, tortureSize } from './size.js';

export default function setup(): () => void {
  const file = join(tmpdir(), `bp-torture-figures-${process.pid}.txt`);
  writeFileSync(file, '');
  // Test workers inherit the environment, so each case finds the file.
  process.env[FIGURES_ENV] = file;
  const started = performance.now();
  return () => {
    const lines = readFileSync(file, 'utf8').trimEnd();
    rmSync(file, { force: true });
    const seconds = Math.round((performance.now() - started) / 1000);
    const text =
      `torture (${tortureSize()}), ${new Date().toISOString()}, ${seconds} s\n` + `${lines}\n`;
    mkdirSync('test-output', { recursive: true });
    writeFileSync(join('test-output', 'torture-figures.txt'), text);
    process.stdout.write(`\n${text}`);
  };
}

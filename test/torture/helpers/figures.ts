/**
 * Each case prints one figure: what it did and what held, in numbers. It is printed at once
 * and collected for the summary at the end of the run (figures-setup.ts).
 */
import { appendFileSync } from 'node:fs';
import { FIGURES_ENV } from './size.js';

export function figure(text: string): void {
  console.log(`FIGURE ${text}`);
  const file = process.env[FIGURES_ENV];
  if (file !== undefined) appendFileSync(file, `${text}\n`);
}

/** 4812 → "4,812". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** The q-quantile (0–1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

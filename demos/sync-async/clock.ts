/** Prints a line with the milliseconds since the script started, so the order tells the story. */
import { performance } from 'node:perf_hooks';

const start = performance.now();

export function say(text: string): void {
  console.log(`+${(performance.now() - start).toFixed(1).padStart(6)} ms  ${text}`);
}

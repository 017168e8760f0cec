/** How a finished job ended, in one line: its result, its error (code and message), or canceled. */
import type { Job } from '../../src/client/index.js';

const LONGEST = 240;

export function outcomeText(job: Pick<Job, 'status' | 'result' | 'error'>): string {
  switch (job.status) {
    case 'succeeded':
      return `result: ${clip(JSON.stringify(job.result ?? null))}`;
    case 'failed':
      return job.error ? `${job.error.code}: ${clip(job.error.message)}` : 'failed';
    case 'canceled':
      return 'canceled';
    default:
      return '';
  }
}

function clip(text: string): string {
  return text.length > LONGEST ? `${text.slice(0, LONGEST - 1)}…` : text;
}

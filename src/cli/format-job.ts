/** Human-readable text for jobs: one job as labelled lines, a page of jobs as a table. */
import type { Job, JobPage } from '../client/index.js';
import { textTable } from './text-table.js';

export function describeJob(job: Job): string {
  const lines: [string, string][] = [
    ['id', job.id],
    ['type', job.type],
    ['status', `${job.status} ${job.progress}%`],
    ['seq', String(job.seq)],
    ['attempt', `${job.attempt} of ${job.maxAttempts}`],
    ['priority', String(job.priority)],
    ['input', JSON.stringify(job.input)],
    ['created', job.createdAt],
    ['updated', job.updatedAt],
  ];
  if (job.runAt !== undefined) lines.push(['next run', job.runAt]);
  if (job.keepFor !== undefined) lines.push(['keep for', `${job.keepFor} ms once finished`]);
  if (job.result !== undefined) lines.push(['result', JSON.stringify(job.result)]);
  if (job.error) lines.push(['error', `${job.error.code}: ${job.error.message}`]);
  return lines.map(([label, value]) => `${label.padEnd(8)} ${value}`).join('\n');
}

export function jobTable(page: JobPage): string {
  if (page.jobs.length === 0) return 'no jobs';
  const rows = [
    ['ID', 'TYPE', 'STATUS', 'PROGRESS', 'UPDATED'],
    ...page.jobs.map((job) => [job.id, job.type, job.status, `${job.progress}%`, job.updatedAt]),
  ];
  const text = textTable(rows);
  if (page.nextCursor !== null) text.push(`more: --cursor ${page.nextCursor}`);
  return text.join('\n');
}

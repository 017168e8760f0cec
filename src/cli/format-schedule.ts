/** Human-readable text for schedules: one as labelled lines, a page of them as a table. */
import type { Schedule, SchedulePage } from '../client/index.js';
import { textTable } from './text-table.js';

const state = (s: Schedule) => (s.paused ? 'paused' : 'active');

export function describeSchedule(schedule: Schedule): string {
  const lines: [string, string][] = [
    ['id', schedule.id],
    ['cron', `${schedule.cron} (${schedule.timezone})`],
    ['type', schedule.type],
    ['input', JSON.stringify(schedule.input)],
    ['state', state(schedule)],
    ['next run', schedule.nextRunAt ?? '–'],
  ];
  if (schedule.lastRunAt !== undefined) {
    lines.push(['last run', `${schedule.lastRunAt} (job ${schedule.lastJobId ?? '?'})`]);
  }
  if (schedule.attempts !== undefined) lines.push(['attempts', String(schedule.attempts)]);
  const { backoff } = schedule;
  if (backoff !== undefined) {
    const cap = backoff.maxDelayMs === undefined ? '' : `, at most ${backoff.maxDelayMs} ms`;
    lines.push(['backoff', `${backoff.type} ${backoff.delayMs} ms${cap}`]);
  }
  if (schedule.priority !== undefined) lines.push(['priority', String(schedule.priority)]);
  lines.push(['created', schedule.createdAt], ['updated', schedule.updatedAt]);
  return lines.map(([label, value]) => `${label.padEnd(8)} ${value}`).join('\n');
}

export function scheduleTable(page: SchedulePage): string {
  if (page.schedules.length === 0) return 'no schedules';
  const rows = [
    ['ID', 'CRON', 'ZONE', 'TYPE', 'STATE', 'NEXT RUN', 'LAST JOB'],
    ...page.schedules.map((s) => [
      s.id,
      s.cron,
      s.timezone,
      s.type,
      state(s),
      s.nextRunAt ?? '–',
      s.lastJobId ?? '–',
    ]),
  ];
  const text = textTable(rows);
  if (page.nextCursor !== null) text.push(`more: --cursor ${page.nextCursor}`);
  return text.join('\n');
}

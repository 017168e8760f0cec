/**
 * The caller's recurring schedules (GET /schedules through the SDK): cron expression, time
 * zone, job type, paused or not, the next tick and the latest tick's job, with pause/resume on
 * each row. Schedules have no event stream, so the list is read again every few seconds, as a
 * polite poller would; an action shows the schedule it answers at once.
 */
import type { Client, Schedule } from '../../src/client/index.js';
import { byId, el, messageOf, pause, timeOf } from './dom.js';

const ROWS = 20;
const REFRESH_MS = 2_000;

export class SchedulesTable {
  readonly #body = byId('schedules-table', HTMLTableElement).tBodies[0] ?? el('tbody');
  readonly #state = byId('schedules-state', HTMLSpanElement);
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  /** Reads the list now and every REFRESH_MS until `signal` aborts. */
  async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#refresh(signal);
      await pause(REFRESH_MS, signal);
    }
  }

  async #refresh(signal: AbortSignal): Promise<void> {
    try {
      const { schedules } = await this.#client.schedules.list({ limit: ROWS, signal });
      this.#body.replaceChildren(...schedules.map((schedule) => this.#row(schedule)));
      this.#state.textContent =
        schedules.length === 0 ? '(none: POST /schedules or `schedules create`)' : '';
    } catch (error) {
      if (signal.aborted) return; // the page is going away, not a failed read
      this.#state.textContent = `(not read: ${messageOf(error)})`;
    }
  }

  #row(schedule: Schedule): HTMLTableRowElement {
    const action = el('button', { text: schedule.paused ? 'Resume' : 'Pause' });
    action.type = 'button';
    const lastJob = schedule.lastJobId
      ? `${schedule.lastJobId.slice(0, 8)}${schedule.lastRunAt ? ` at ${timeOf(schedule.lastRunAt)}` : ''}`
      : '–';
    const row = el(
      'tr',
      {},
      el('td', { text: schedule.id.slice(0, 8), className: 'id', title: schedule.id }),
      el('td', { text: schedule.cron, className: 'cron' }),
      el('td', { text: schedule.timezone, className: 'timezone' }),
      el('td', { text: schedule.type, className: 'type' }),
      el('td', { text: schedule.paused ? 'paused' : 'active', className: 'paused' }),
      el('td', {
        text: schedule.nextRunAt ? `next ${timeOf(schedule.nextRunAt)}` : '–',
        className: 'next-run',
        title: schedule.nextRunAt ?? '',
      }),
      el('td', { text: lastJob, className: 'last-job', title: schedule.lastJobId ?? '' }),
      el('td', { className: 'action' }, action),
    );
    row.dataset.scheduleId = schedule.id;
    row.dataset.paused = String(schedule.paused);
    action.addEventListener('click', () => {
      action.disabled = true;
      void this.#toggle(schedule).then(
        (updated) => {
          row.replaceWith(this.#row(updated));
        },
        (error: unknown) => {
          action.disabled = false;
          this.#state.textContent = `(${messageOf(error)})`;
        },
      );
    });
    return row;
  }

  #toggle(schedule: Schedule): Promise<Schedule> {
    const { schedules } = this.#client;
    return schedule.paused ? schedules.resume(schedule.id) : schedules.pause(schedule.id);
  }
}

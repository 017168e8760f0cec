/**
 * Recent jobs, kept live over one event stream (GET /events?topics=jobs through the SDK): rows
 * change as events arrive, new jobs appear on top, and a finished job shows how it ended (its
 * result, or its error code and message — terminal events carry them). The topic has no
 * replay, so every time the stream (re)connects the table is read again with GET /jobs.
 */
import type { Client, Job, JobError, JobEvent } from '../../src/client/index.js';
import { byId, el, messageOf, timeOf } from './dom.js';
import { outcomeText } from './outcome.js';

const ROWS = 12;

interface Row {
  element: HTMLTableRowElement;
  /** What the snapshot said, for the status text events update. */
  attempt: number;
  maxAttempts: number;
  priority: number;
  status: HTMLTableCellElement;
  progress: HTMLTableCellElement;
  updated: HTMLTableCellElement;
  outcome: HTMLTableCellElement;
}

export class JobsTable {
  readonly #body = byId('jobs-table', HTMLTableElement).tBodies[0] ?? el('tbody');
  readonly #state = byId('jobs-feed-state', HTMLSpanElement);
  readonly #rows = new Map<string, Row>();
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  /** Follows every job's events until `signal` aborts. */
  async follow(signal: AbortSignal): Promise<void> {
    this.#state.textContent = '(connecting)';
    const events = this.#client.jobEvents({
      signal,
      onConnect: () => {
        this.#state.textContent = '(live over one event stream)';
        void this.#reload();
      },
    });
    try {
      for await (const event of events) await this.#apply(event);
    } catch (error) {
      // Aborted: the page is going away. Otherwise a refusal that retrying cannot change (a
      // key the server does not accept): say so instead of looking connected.
      if (signal.aborted) return;
      this.#state.textContent = `(stopped: ${messageOf(error)})`;
    }
  }

  async #reload(): Promise<void> {
    const page = await this.#client.list({ limit: ROWS });
    this.#rows.clear();
    this.#body.replaceChildren();
    for (const job of [...page.jobs].reverse()) this.#add(job);
  }

  async #apply(event: JobEvent): Promise<void> {
    const row = this.#rows.get(event.jobId);
    if (row) {
      const { attempt, runAt } = (event.data ?? {}) as { attempt?: number; runAt?: string };
      row.status.textContent = statusText({
        status: event.status,
        attempt: (row.attempt = attempt ?? row.attempt),
        maxAttempts: row.maxAttempts,
        priority: row.priority,
        runAt: event.kind === 'retrying' || event.kind === 'queued' ? runAt : undefined,
      });
      row.status.className = `status status-${event.status}`;
      row.progress.textContent = `${event.progress}%`;
      row.updated.textContent = timeOf(event.at);
      const data = (event.data ?? {}) as { result?: unknown; error?: JobError };
      const outcome = outcomeText({ status: event.status, result: data.result, error: data.error });
      row.outcome.textContent = outcome;
      row.outcome.className = `outcome status-${event.status}`;
      return;
    }
    // A job we do not show yet: fetch its snapshot (type, times) once.
    if (event.kind === 'queued') this.#add(await this.#client.get(event.jobId));
  }

  #add(job: Job): void {
    if (this.#rows.has(job.id)) return;
    const status = el('td', { text: statusText(job), className: `status status-${job.status}` });
    const progress = el('td', { text: `${job.progress}%`, className: 'progress' });
    const updated = el('td', { text: timeOf(job.updatedAt), className: 'updated' });
    const outcome = el('td', { text: outcomeText(job), className: `outcome status-${job.status}` });
    const element = el(
      'tr',
      {},
      el('td', { text: job.id.slice(0, 8), className: 'id', title: job.id }),
      el('td', { text: job.type, className: 'type' }),
      status,
      progress,
      updated,
      outcome,
    );
    element.dataset.jobId = job.id;
    this.#body.prepend(element);
    const { attempt, maxAttempts, priority } = job;
    const cells = { status, progress, updated, outcome };
    this.#rows.set(job.id, { element, attempt, maxAttempts, priority, ...cells });
    while (this.#rows.size > ROWS) {
      const oldest = this.#body.lastElementChild;
      if (!(oldest instanceof HTMLTableRowElement)) break;
      this.#rows.delete(oldest.dataset.jobId ?? '');
      oldest.remove();
    }
  }
}

/**
 * The status with what the queue adds: the attempt of a job that may be retried ("2/3"), when
 * a waiting job is due ("next 12:00:05"), a priority other than 0 ("p5").
 */
function statusText(
  job: Pick<Job, 'status' | 'attempt' | 'maxAttempts' | 'priority' | 'runAt'>,
): string {
  const parts: string[] = [job.status];
  if (job.maxAttempts > 1 && job.attempt > 0) parts.push(`${job.attempt}/${job.maxAttempts}`);
  if (job.status === 'queued' && job.runAt !== undefined) parts.push(`next ${timeOf(job.runAt)}`);
  if (job.priority !== 0) parts.push(`p${job.priority}`);
  return parts.join(' · ');
}

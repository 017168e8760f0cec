/**
 * The dashboard: submit a job from a form generated from its type's schema, then watch that one
 * job through all four transports at once, with what each costs. Also the jobs table, the
 * schedules, the server's live figures and the push chapter's chat. Everything talks to the
 * server through the client SDK (src/client/).
 */
import { createClient, TRANSPORTS, type Job, type WireEntry } from '../../src/client/index.js';
import { ChatPanel } from './chat-panel.js';
import { byId, messageOf } from './dom.js';
import { JobForm } from './job-form.js';
import { JobsTable } from './jobs-table.js';
import { outcomeText } from './outcome.js';
import { SchedulesTable } from './schedules-table.js';
import { followServer } from './server-charts.js';
import { Timeline } from './timeline.js';
import { TransportPanel } from './transport-panel.js';
import { WebhookPanel } from './webhook-panel.js';

// For servers run with --api-keys: the key lives in this tab's session storage only, and the
// SDK sends it as a bearer header, and trades it for short-lived access tokens for sockets.
const KEY_STORAGE = 'backend-patterns.api-key';
const apiKey = sessionStorage.getItem(KEY_STORAGE) ?? '';
const keyInput = byId('api-key', HTMLInputElement);
keyInput.value = apiKey;
byId('key-form', HTMLFormElement).addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, keyInput.value.trim());
  location.reload();
});
const client = createClient({ baseUrl: location.origin, token: apiKey || undefined });
const page = new AbortController();
window.addEventListener('pagehide', () => {
  page.abort();
});

const form = new JobForm();
const panelsRoot = byId('panels', HTMLDivElement);
const panels = TRANSPORTS.map((transport) => new TransportPanel(transport, panelsRoot));
const timeline = new Timeline(byId('timeline', HTMLElement));
const webhookPanel = new WebhookPanel(client);
const submitStatus = byId('submit-status', HTMLOutputElement);
const watched = byId('watched-job', HTMLParagraphElement);
const outcome = byId('job-outcome', HTMLParagraphElement);
const cancelButton = byId('cancel-job', HTMLButtonElement);
const pollInterval = byId('poll-interval', HTMLInputElement);
let watching: AbortController | undefined;
let current: Job | undefined;

byId('job-form', HTMLFormElement).addEventListener('submit', (event) => {
  event.preventDefault();
  void submit();
});
cancelButton.addEventListener('click', () => {
  if (current) void client.cancel(current.id).catch(showError);
});

async function submit(): Promise<void> {
  const { type, input, webhook } = form.read();
  submitStatus.textContent = 'submitting…';
  submitStatus.className = 'hint';
  const submittedAt = Date.now();
  let job: Job;
  try {
    job = await client.submit(type, input, { webhook });
  } catch (error) {
    showError(error);
    return;
  }
  submitStatus.textContent = '';
  watchEverywhere(job, submittedAt);
}

/** The same job, four transports, at once; a new job replaces the one watched. */
function watchEverywhere(job: Job, submittedAt: number): void {
  watching?.abort();
  const controller = new AbortController();
  watching = controller;
  current = job;
  watched.textContent = `Job ${job.id} (${job.type}, input ${JSON.stringify(job.input)})`;
  outcome.textContent = '';
  delete outcome.dataset.status;
  cancelButton.disabled = false;
  // Empty: as the server's Retry-After says, like any well-behaved poller.
  const everyMs = pollInterval.value === '' ? undefined : Math.max(50, Number(pollInterval.value));
  const signal = AbortSignal.any([page.signal, controller.signal]);
  timeline.start(submittedAt);
  webhookPanel.watch(job.id, signal);
  const settings = {
    pollIntervalMs: everyMs,
    signal,
    onWire: (entry: WireEntry) => {
      if (watching === controller) timeline.add(entry);
    },
    onFinished: (last: Job) => {
      if (watching !== controller || outcome.dataset.status) return;
      const how = outcomeText(last);
      outcome.textContent = how === last.status ? how : `${last.status} — ${how}`;
      outcome.className = `status-${last.status}`;
      outcome.dataset.status = last.status;
    },
  };
  void Promise.all(panels.map((panel) => panel.watch(client, job, settings))).then(() => {
    if (watching !== controller) return;
    cancelButton.disabled = true;
    timeline.stop();
  });
}

function showError(error: unknown): void {
  submitStatus.textContent = messageOf(error);
  submitStatus.className = 'error';
}

new ChatPanel(client);
void new JobsTable(client).follow(page.signal);
void new SchedulesTable(client).follow(page.signal);
void followServer(client, page.signal);
form.load(client).catch(showError);

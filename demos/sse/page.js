/* global document, location, EventSource */
// The server-sent events chapter's page: submit a demo job, then watch it over EventSource.
// Everything from the server is shown with textContent, never parsed as HTML.

const KINDS = ['queued', 'started', 'progress', 'succeeded', 'failed', 'canceled', 'requeued'];
const TERMINAL = ['succeeded', 'failed', 'canceled'];
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const $ = (id) => document.getElementById(id);
let source;

function show(kind, seq, status, progress) {
  $('bar').value = progress;
  $('status').textContent = `${status} ${progress}%`;
  const item = document.createElement('li');
  item.textContent = `#${seq} ${kind}: ${status} ${progress}%`;
  $('log').append(item);
  item.scrollIntoView({ block: 'nearest' });
}

function watch(jobId) {
  source?.close();
  $('job').textContent = jobId;
  $('log').replaceChildren();
  // EventSource reconnects by itself and sends the last id it saw as Last-Event-ID.
  source = new EventSource(`/jobs/${jobId}/events`);
  let lastSeq = 0;
  source.addEventListener('open', () => {
    $('connection').textContent = 'open';
  });
  source.addEventListener('error', () => {
    $('connection').textContent =
      source.readyState === EventSource.CLOSED
        ? 'closed'
        : `reconnecting, to resume after event #${lastSeq}`;
  });
  for (const kind of KINDS) {
    source.addEventListener(kind, (message) => {
      const event = JSON.parse(message.data);
      lastSeq = event.seq;
      show(kind, event.seq, event.status, event.progress);
      if (TERMINAL.includes(event.status)) {
        // Done: close instead of letting EventSource reconnect (the server would answer 204).
        source.close();
        $('connection').textContent = 'closed (job finished)';
      }
    });
  }
  // The server could not replay what we missed (pruned history): take its snapshot as is.
  source.addEventListener('reset', (message) => {
    const job = JSON.parse(message.data);
    lastSeq = job.seq;
    show('reset', job.seq, job.status, job.progress);
  });
}

$('submit').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('status').textContent = 'submitting…';
  const response = await fetch('/submit', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stepMs: Number($('step-ms').value) }),
  });
  const body = await response.json();
  if (response.status !== 202) {
    $('status').textContent = `rejected: ${body.detail ?? response.status}`;
    return;
  }
  location.hash = body.jobId;
  watch(body.jobId);
});

// A reload keeps watching the job named in the address (#<job id>).
const fromHash = location.hash.slice(1);
if (JOB_ID.test(fromHash)) watch(fromHash);

/**
 * Baseline for push delay: the transports suite's job updates broadcast by a bare `node:http`
 * + `ws` server — no framework, no store, no bus, no per-client state beyond a set of sockets
 * per job — to the same job-watcher clients (bench/clients/job-watchers.ts) our server serves.
 *
 * The workload is the `ticker` job's (bench/servers/our-server.ts): JOB_IDS (comma-separated)
 * each make UPDATES updates INTERVAL_MS apart (progress, then `succeeded` as the last one), job
 * k starting k × INTERVAL_MS / jobs after `POST /go`, on an absolute schedule. The frames are
 * the ones our server sends for those events, byte for byte in shape (fields, order, id lists),
 * so the clients parse the same text and the wire carries as many bytes:
 * - `GET /events`: our event-stream headers, `retry:` and the heartbeat hint, each job's
 *   `queued` and `started` as history, then every update as `id: <job:seq,…>` / `event:` /
 *   `data:`; the response ends after the last job's terminal event, as ours does;
 * - `/ws`: our `welcome`; a `subscribe` to `job:<id>` is answered with `subscribed` and a
 *   snapshot; every update is an `event` frame; after the terminal one, `unsubscribed`.
 * Each update's frame is encoded once and written to every subscriber: the least a server can
 * do to deliver it. `at` is stamped just before the writes, as ours stamps an event before it
 * is stored and published.
 */
import { createServer, type ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

const jobIds = (process.env.JOB_IDS ?? '').split(',').filter(Boolean);
const updates = Number(process.env.UPDATES ?? 10);
const intervalMs = Number(process.env.INTERVAL_MS ?? 500);

interface JobEvent {
  jobId: string;
  seq: number;
  kind: string;
  status: string;
  progress: number;
  at: string;
  data?: unknown;
}

const created = new Date().toISOString();
/** Each job's events so far (queued and started before any client connects), and its seq. */
const history = new Map<string, JobEvent[]>(
  jobIds.map((jobId) => [
    jobId,
    [
      { jobId, seq: 1, kind: 'queued', status: 'queued', progress: 0, at: created },
      {
        jobId,
        seq: 2,
        kind: 'started',
        status: 'running',
        progress: 0,
        at: created,
        data: { attempt: 1 },
      },
    ],
  ]),
);
const seqOf = (jobId: string) => history.get(jobId)?.length ?? 0;

// --- SSE ---------------------------------------------------------------------------------

const streams = new Set<ServerResponse>();
let unfinished = jobIds.length;

/** Ours: a multiplexed stream's id lists every job's cursor, the event's job first. */
function sseFrame(event: JobEvent): string {
  const others = jobIds.filter((id) => id !== event.jobId).map((id) => `${id}:${seqOf(id)}`);
  const id = [`${event.jobId}:${event.seq}`, ...others].join(',');
  return `id: ${id}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`;
}

function openStream(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
    connection: 'close',
  });
  response.write('retry: 3000\n\n');
  response.write(': heartbeat-ms 15000\n\n');
  for (const events of history.values()) {
    for (const event of events) response.write(sseFrame(event));
  }
  streams.add(response);
  response.on('close', () => streams.delete(response));
}

// --- WebSocket ---------------------------------------------------------------------------

const WELCOME = JSON.stringify({
  type: 'welcome',
  heartbeatMs: 25_000,
  maxPayload: 65_536,
  maxSubscriptions: 100,
  publishPerSecond: 20,
});
const subscribers = new Map<string, Set<WebSocket>>(jobIds.map((id) => [id, new Set()]));

/** Ours: the job's snapshot as a `GET /jobs/:id` would answer it, at the current seq. */
function snapshotFrame(topic: string, jobId: string): string {
  const last = history.get(jobId)?.at(-1);
  return JSON.stringify({
    type: 'snapshot',
    topic,
    seq: last?.seq ?? 0,
    job: {
      id: jobId,
      type: 'ticker',
      status: last?.status ?? 'queued',
      progress: last?.progress ?? 0,
      seq: last?.seq ?? 0,
      attempt: 1,
      maxAttempts: 1,
      priority: 0,
      input: { gate: 'transports-ws', updates, intervalMs, phaseMs: 0 },
      createdAt: created,
      updatedAt: last?.at ?? created,
    },
  });
}

function subscribe(ws: WebSocket, raw: string): void {
  const message = JSON.parse(raw) as { type?: string; topic?: string };
  const jobId = message.topic?.startsWith('job:') ? message.topic.slice(4) : '';
  const set = subscribers.get(jobId);
  if (message.type !== 'subscribe' || !message.topic || !set) return;
  ws.send(JSON.stringify({ type: 'subscribed', topic: message.topic }));
  ws.send(snapshotFrame(message.topic, jobId));
  set.add(ws);
}

// --- The schedule ------------------------------------------------------------------------

function emit(jobId: string, update: number): void {
  const final = update === updates;
  const event: JobEvent = {
    jobId,
    seq: seqOf(jobId) + 1,
    kind: final ? 'succeeded' : 'progress',
    status: final ? 'succeeded' : 'running',
    progress: final ? 100 : Math.round((update * 100) / updates),
    at: new Date().toISOString(),
    ...(final ? { data: { result: null } } : {}),
  };
  history.get(jobId)?.push(event);
  const topic = `job:${jobId}`;
  const wsFrame = JSON.stringify({ type: 'event', topic, seq: event.seq, data: event });
  const sseText = sseFrame(event);
  const set = subscribers.get(jobId) ?? new Set<WebSocket>();
  for (const ws of set) {
    if (ws.readyState === WebSocket.OPEN) ws.send(wsFrame);
  }
  for (const response of streams) response.write(sseText);
  if (!final) return;
  const ended = JSON.stringify({ type: 'unsubscribed', topic, reason: 'ended' });
  for (const ws of set) {
    if (ws.readyState === WebSocket.OPEN) ws.send(ended);
  }
  set.clear();
  if (--unfinished === 0) {
    for (const response of streams) response.end();
  }
}

function go(): void {
  jobIds.forEach((jobId, k) => {
    // An absolute schedule, like the ticker's: a late tick does not push the later ones back.
    const start = performance.now() + Math.round((k * intervalMs) / jobIds.length);
    for (let update = 1; update <= updates; update++) {
      const due = start + update * intervalMs - performance.now();
      setTimeout(
        () => {
          emit(jobId, update);
        },
        Math.max(0, due),
      );
    }
  });
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/go') {
    go();
    response.end();
    return;
  }
  // Every client of the suite watches every job: the query is not parsed.
  if (request.url?.startsWith('/events')) openStream(response);
  else response.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.send(WELCOME);
  ws.on('message', (data: Buffer) => {
    subscribe(ws, data.toString());
  });
  ws.on('close', () => {
    for (const set of subscribers.values()) set.delete(ws);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ ready: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => process.exit(0));

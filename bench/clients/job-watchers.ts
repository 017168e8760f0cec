/**
 * Suite 1's clients (one worker process): `clients` clients, each watching every job in
 * `jobIds` over one transport, the way a real client of that transport would:
 * - short: GET /jobs/:id every `pollMs` with If-None-Match, from a random start offset;
 * - long: GET /jobs/:id?wait=30 (answered at once), then ?after=<seq>&wait=30 until the end;
 * - sse: one GET /events?jobs=<all> stream per client;
 * - ws: one WebSocket per client, a `job:<id>` subscription per job.
 * Each client has its own connection pool (its own keep-alive Agent), like separate browsers.
 *
 * Measured here: the delay from an update's time (`at`, or the snapshot's `updatedAt`) to its
 * arrival, HTTP requests, connections, and bytes on the wire — `bytesRead + bytesWritten` of
 * every socket, so HTTP headers, the WebSocket handshake and frame headers are all counted.
 */
import { Agent, request, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { isTerminal, type JobStatus } from '../../src/model/job.js';
import { fail, inBatches, onCommand, report, workerConfig } from './worker-side.js';

export type Transport = 'short' | 'long' | 'sse' | 'ws';

export interface WatchConfig {
  transport: Transport;
  url: string;
  jobIds: string[];
  clients: number;
  address: string;
  pollMs: number;
  /** Updates are the events with seq ≥ this (queued and started come before). */
  firstUpdateSeq: number;
  deadlineMs: number;
}

export interface WatchReport {
  type: 'done';
  /** Delivery delays of the updates received, ms. */
  delays: number[];
  /** Distinct updates that reached a client (short polling skips some). */
  delivered: number;
  requests: number;
  connections: number;
  bytes: number;
  /** Clients that did not see every job finish before the deadline. */
  unfinished: number;
}

interface Snapshot {
  seq: number;
  status: JobStatus;
  updatedAt: string;
}

interface EventData {
  jobId: string;
  seq: number;
  kind: string;
  status: JobStatus;
  at: string;
}

const config = workerConfig() as WatchConfig;
const sockets = new Set<Socket>();
const delays: number[] = [];
let requests = 0;
let delivered = 0;
let finishedClients = 0;
let deadline = Number.POSITIVE_INFINITY;

const now = () => performance.timeOrigin + performance.now();

function received(seq: number, at: string): void {
  if (seq < config.firstUpdateSeq) return;
  delivered += 1;
  delays.push(now() - Date.parse(at));
}

function track(req: ClientRequest): void {
  requests += 1;
  req.on('socket', (socket: Socket) => sockets.add(socket));
}

interface Answer {
  status: number;
  etag: string | undefined;
  body: string;
}

function get(agent: Agent, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${config.url}${path}`, { agent, headers, localAddress: config.address });
    track(req);
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body });
      });
    });
    req.end();
  });
}

async function shortPoll(agent: Agent, jobId: string): Promise<void> {
  let etag: string | undefined;
  let seq = 0;
  await sleep(Math.random() * config.pollMs);
  while (now() < deadline) {
    const answer = await get(agent, `/jobs/${jobId}`, etag ? { 'if-none-match': etag } : {});
    if (answer.status === 200) {
      const job = JSON.parse(answer.body) as Snapshot;
      etag = answer.etag;
      if (job.seq > seq) {
        seq = job.seq;
        received(job.seq, job.updatedAt);
      }
      if (isTerminal(job.status)) return;
    }
    await sleep(config.pollMs);
  }
}

async function longPoll(agent: Agent, jobId: string): Promise<void> {
  let seq = 0;
  let query = 'wait=30';
  while (now() < deadline) {
    const job = JSON.parse((await get(agent, `/jobs/${jobId}?${query}`)).body) as Snapshot;
    // A held poll that times out answers the same seq again: no news.
    if (job.seq > seq) received(job.seq, job.updatedAt);
    seq = Math.max(seq, job.seq);
    if (isTerminal(job.status)) return;
    query = `after=${seq}&wait=30`;
  }
}

/** A push client once connected: `ended` settles when it has seen every job finish. */
interface Following {
  ended: Promise<void>;
}

/** Opens the stream; resolves once every job's `started` arrived, then follows until the end. */
function openStream(): Promise<Following> {
  return new Promise((opened, reject) => {
    const path = `/events?jobs=${config.jobIds.join(',')}`;
    const req = request(`${config.url}${path}`, {
      headers: { accept: 'text/event-stream' },
      localAddress: config.address,
    });
    track(req);
    req.on('error', reject);
    req.on('response', (res) => {
      let buffer = '';
      let started = 0;
      const ended = new Promise<void>((done) => res.on('close', done));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const line = block.split('\n').find((l) => l.startsWith('data: '));
          if (!line) continue;
          const event = JSON.parse(line.slice(6)) as EventData;
          if (event.kind === 'started' && ++started === config.jobIds.length) opened({ ended });
          received(event.seq, event.at);
        }
      });
    });
    req.end();
  });
}

/** Connects and subscribes; resolves once subscribed to every job, then follows until the end. */
function openWebSocket(): Promise<Following> {
  return new Promise((opened, reject) => {
    const ws = new WebSocket(`${config.url.replace('http', 'ws')}/ws`, {
      localAddress: config.address,
    });
    requests += 1; // the upgrade request
    ws.on('upgrade', (res) => sockets.add(res.socket));
    ws.on('error', reject);
    let subscribed = 0;
    let finished = 0;
    const ended = new Promise<void>((done) => {
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type: string; data?: EventData };
        if (message.type === 'snapshot' && ++subscribed === config.jobIds.length) opened({ ended });
        if (message.type !== 'event' || !message.data) return;
        received(message.data.seq, message.data.at);
        if (isTerminal(message.data.status) && ++finished === config.jobIds.length) {
          ws.close();
          done();
        }
      });
    });
    ws.on('open', () => {
      for (const id of config.jobIds)
        ws.send(JSON.stringify({ type: 'subscribe', topic: `job:${id}` }));
    });
  });
}

async function main(): Promise<void> {
  const follows: (() => Promise<void>)[] = [];
  if (config.transport === 'sse' || config.transport === 'ws') {
    const open = config.transport === 'sse' ? openStream : openWebSocket;
    const streams: Promise<void>[] = [];
    await inBatches(config.clients, async () => {
      streams.push((await open()).ended);
    });
    for (const stream of streams) follows.push(() => stream);
  } else {
    const poll = config.transport === 'short' ? shortPoll : longPoll;
    for (let i = 0; i < config.clients; i++) {
      const agent = new Agent({ keepAlive: true });
      follows.push(() =>
        Promise.all(config.jobIds.map((id) => poll(agent, id))).then(() => undefined),
      );
    }
  }
  report({ type: 'ready' });
  onCommand('go', async () => {
    deadline = now() + config.deadlineMs;
    const timer = sleep(config.deadlineMs);
    await Promise.race([
      Promise.all(follows.map((follow) => follow().then(() => (finishedClients += 1)))),
      timer,
    ]);
    let bytes = 0;
    for (const socket of sockets) bytes += socket.bytesRead + socket.bytesWritten;
    const done: WatchReport = {
      type: 'done',
      delays,
      delivered,
      requests,
      connections: sockets.size,
      bytes,
      unfinished: config.clients - finishedClients,
    };
    report(done);
  });
}

main().catch(fail);

/**
 * A subscriber process: subscribes to `--topics` and counts what arrives. With `--work-ms` it
 * handles one message at a time and takes that long for each, reading nothing from its socket
 * meanwhile (a consumer with little capacity, so the backlog builds up on the server). With
 * `--credits w` it keeps a prefetch window of w: credit w at the start, credit 1 per message
 * handled. Prints one JSON line of counters every half second, and one when it is closed.
 *
 *   npx tsx demos/pub-sub/subscriber.ts --url ws://127.0.0.1:8000/ws --name slow --work-ms 20
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { commandLine } from '../command-line.js';
import { runClient } from '../demo-client.js';
import { PUB_SUB_OPTIONS } from './options.js';

const values = commandLine({
  command: 'npx tsx demos/pub-sub/subscriber.ts',
  summary: 'Subscribes to topics and counts what arrives, printing its counters as JSON lines.',
  options: {
    url: PUB_SUB_OPTIONS.url,
    name: PUB_SUB_OPTIONS.name,
    topics: { kind: 'text', default: 'chat:prices', help: 'topics, comma-separated' },
    'work-ms': {
      kind: 'integer',
      default: 0,
      min: 0,
      max: 10_000,
      help: 'ms of work per message, reading nothing meanwhile',
    },
    credits: {
      kind: 'integer',
      default: 0,
      min: 0,
      max: 100_000,
      help: 'prefetch window: messages it takes at once (0: no credits, take everything)',
    },
    seconds: { ...PUB_SUB_OPTIONS.seconds, default: 12 },
  },
});
const workMs = values['work-ms'];
const window = values.credits === 0 ? undefined : values.credits;

interface Message {
  type: string;
  topic?: string;
  seq?: number;
}

const ws = new WebSocket(values.url);
await runClient(values.url, 'npm start', async () => {
  await once(ws, 'open');
});
if (window !== undefined) ws.send(JSON.stringify({ type: 'credit', n: window }));
for (const topic of values.topics.split(',')) {
  // The name shows in the server's stats and in the room's presence notices.
  ws.send(JSON.stringify({ type: 'subscribe', topic, name: values.name }));
}

let received = 0;
let gaps = 0;
const lastSeq = new Map<string, number>();
const queue: Message[] = [];
let working = false;

function handle(message: Message): void {
  if (message.topic === undefined || message.seq === undefined) return;
  if (message.type === 'subscribed') {
    // The topic's numbering when this subscription began: its first message is seq + 1.
    lastSeq.set(message.topic, message.seq);
    return;
  }
  // Seq counts every message the server had for this subscription: a jump is a drop.
  gaps += message.seq - (lastSeq.get(message.topic) ?? 0) - 1;
  lastSeq.set(message.topic, message.seq);
  if (message.type === 'event') received += 1;
  if (window !== undefined) ws.send(JSON.stringify({ type: 'credit', n: 1 }));
}

async function work(): Promise<void> {
  working = true;
  for (let next = queue.shift(); next; next = queue.shift()) {
    await sleep(workMs);
    handle(next);
  }
  working = false;
  ws.resume();
}

ws.on('message', (data: Buffer) => {
  const message = JSON.parse(data.toString()) as Message;
  if (workMs === 0) {
    handle(message);
    return;
  }
  // Stop reading the socket while busy: the backlog stays in TCP and on the server.
  queue.push(message);
  ws.pause();
  if (!working) void work();
});

const report = () => {
  console.log(JSON.stringify({ name: values.name, received, gaps, waiting: queue.length }));
};
const timer = setInterval(report, 500);
const stop = setTimeout(() => {
  ws.terminate();
}, values.seconds * 1000);
const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
clearInterval(timer);
clearTimeout(stop);
report();
console.log(JSON.stringify({ name: values.name, closed: code, reason: reason.toString() }));

/**
 * A publisher process: sends `--rate` messages a second of about `--size` bytes to `--topic`
 * for `--seconds`, then exits. Prints one JSON line of counters every half second.
 *
 *   npx tsx demos/pub-sub/publisher.ts --url ws://127.0.0.1:8000/ws --topic chat:prices
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { commandLine } from '../command-line.js';
import { runClient } from '../demo-client.js';
import { PUB_SUB_OPTIONS } from './options.js';

const values = commandLine({
  command: 'npx tsx demos/pub-sub/publisher.ts',
  summary: 'Publishes messages to a topic at a steady rate, printing its counters as JSON lines.',
  options: {
    url: PUB_SUB_OPTIONS.url,
    topic: { kind: 'text', default: 'chat:prices', help: 'the topic to publish to' },
    name: { ...PUB_SUB_OPTIONS.name, default: 'publisher' },
    rate: { kind: 'integer', default: 500, min: 1, max: 100_000, help: 'messages a second' },
    size: { kind: 'integer', default: 1024, min: 0, max: 60_000, help: 'bytes of padding each' },
    seconds: PUB_SUB_OPTIONS.seconds,
  },
});
const rate = values.rate;
const pad = 'x'.repeat(values.size);
const ws = new WebSocket(values.url);
await runClient(values.url, 'npm start', async () => {
  await once(ws, 'open');
});

let published = 0;
let refused = 0;
ws.on('message', (data: Buffer) => {
  const message = JSON.parse(data.toString()) as { type: string; code?: string };
  if (message.type === 'error') refused += 1;
});
const report = setInterval(() => {
  console.log(JSON.stringify({ name: values.name, published, refused }));
}, 500);

// Bounded in time; each 10 ms tick sends what the rate owes since the start (timers run late).
const started = performance.now();
const endAt = started + values.seconds * 1000;
while (performance.now() < endAt && ws.readyState === ws.OPEN) {
  const owed = Math.floor(((performance.now() - started) * rate) / 1000);
  while (published < owed) {
    published += 1;
    ws.send(JSON.stringify({ type: 'publish', topic: values.topic, data: { n: published, pad } }));
  }
  await sleep(10);
}
clearInterval(report);
console.log(JSON.stringify({ name: values.name, published, refused, done: true }));
ws.close();

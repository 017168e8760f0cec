/**
 * A publisher process: sends `--rate` messages a second of about `--size` bytes to `--topic`
 * for `--seconds`, then exits. Prints one JSON line of counters every half second.
 *
 *   npx tsx demos/pub-sub/publisher.ts --url ws://127.0.0.1:8000/ws --topic chat:prices
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://localhost:8000/ws' },
    topic: { type: 'string', default: 'chat:prices' },
    name: { type: 'string', default: 'publisher' },
    rate: { type: 'string', default: '500' },
    size: { type: 'string', default: '1024' },
    seconds: { type: 'string', default: '10' },
  },
});
const rate = Number(values.rate);
const pad = 'x'.repeat(Number(values.size));
const ws = new WebSocket(values.url);
await once(ws, 'open');

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
const endAt = started + Number(values.seconds) * 1000;
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

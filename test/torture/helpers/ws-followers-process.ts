/**
 * A client process for the fan-out case: opens `count` WebSocket connections to `url`, each
 * subscribed to `job:<jobId>`, prints `ready` once all are subscribed, and counts the events
 * they receive; asked over IPC, it answers the total. Arguments: url, count, jobId.
 */
import { WebSocket } from 'ws';

const [url = '', countText = '1', jobId = ''] = process.argv.slice(2);
const count = Number(countText);
let subscribed = 0;
let events = 0;
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'subscribe', topic: `job:${jobId}`, id: 's' }));
  });
  ws.on('message', (raw: Buffer) => {
    const message = JSON.parse(raw.toString()) as { type: string; id?: string };
    if (message.type === 'event') events++;
    if (message.type === 'subscribed' && ++subscribed === count) console.log('ready');
  });
  ws.on('error', (error) => {
    console.error(error.message);
  });
}
process.on('message', () => {
  process.send?.({ events });
});

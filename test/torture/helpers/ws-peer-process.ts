/**
 * A client process for the dead-peer case: opens `count` WebSocket connections to `url`, each
 * following a job, the `jobs` topic and a chat room under a name, then prints `ready` and
 * idles. The test freezes it (SIGSTOP): its kernel keeps the connections, nobody answers pings.
 * Arguments: url, count, jobId, name prefix.
 */
import { WebSocket } from 'ws';

const [url = '', countText = '1', jobId = '', prefix = 'frozen'] = process.argv.slice(2);
const count = Number(countText);
let subscribed = 0;
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'subscribe', topic: `job:${jobId}` }));
    ws.send(JSON.stringify({ type: 'subscribe', topic: 'jobs' }));
    ws.send(
      JSON.stringify({
        type: 'subscribe',
        topic: 'chat:room',
        name: `${prefix}-${i}`,
        id: 'joined',
      }),
    );
  });
  ws.on('message', (raw: Buffer) => {
    const message = JSON.parse(raw.toString()) as { type: string; id?: string };
    if (message.type === 'subscribed' && message.id === 'joined' && ++subscribed === count) {
      console.log('ready');
    }
  });
  ws.on('error', (error) => {
    console.error(error.message);
  });
}

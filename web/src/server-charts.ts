/**
 * The server's live figures as two charts: event-loop delay, and the connections each
 * transport holds open. Read from GET /stats once a second — a short poll, and the right tool
 * here: the figures change all the time and a missed sample does not matter.
 */
import type { Client } from '../../src/client/index.js';
import { byId, pause } from './dom.js';
import { LiveChart } from './live-chart.js';

const EVERY_MS = 1000;

export async function followServer(client: Client, signal: AbortSignal): Promise<void> {
  const loop = new LiveChart(
    byId('loop-chart', HTMLElement),
    'Event-loop delay (10 s window)',
    ['p50', 'p99'],
    'ms',
  );
  const connections = new LiveChart(
    byId('connections-chart', HTMLElement),
    'Open connections',
    ['long polls', 'SSE', 'WebSocket'],
    '',
  );
  while (!signal.aborted) {
    try {
      const stats = await client.stats({ signal });
      loop.push([stats.eventLoopDelayMs.p50, stats.eventLoopDelayMs.p99]);
      const open = stats.openConnections;
      connections.push([open['long-polling'], open.sse, open.websocket]);
    } catch {
      // The server is away for a moment: the chart pauses and resumes.
    }
    await pause(EVERY_MS, signal);
  }
}

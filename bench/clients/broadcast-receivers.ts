/**
 * Suite 3's and the scale suite's receivers (one worker process): `clients` broadcast clients
 * of one server kind, counting what they receive. Answers `count` with the total so far and
 * the time the last message arrived.
 */
import { connectBroadcast, type Broadcaster, type BroadcastClient } from './broadcast-clients.js';
import { fail, inBatches, onCommand, report, workerConfig } from './worker-side.js';

export interface ReceiversConfig {
  kind: Broadcaster;
  /** Each client connects to one of these, in turn (several gateways in the scale suite). */
  urls: string[];
  clients: number;
  address: string;
}

export interface CountReport {
  type: 'count';
  received: number;
  /** Date.now() when the last message arrived (0: none yet). */
  lastAt: number;
}

const config = workerConfig() as ReceiversConfig;
let received = 0;
let lastAt = 0;
const onMessage = () => {
  received += 1;
  lastAt = Date.now();
};

async function main(): Promise<void> {
  const clients: BroadcastClient[] = [];
  await inBatches(config.clients, async (i) => {
    const url = config.urls[i % config.urls.length] ?? '';
    clients.push(await connectBroadcast(config.kind, url, config.address, onMessage));
  });
  onCommand('count', () => {
    const count: CountReport = { type: 'count', received, lastAt };
    report(count);
  });
  report({ type: 'ready' });
}

main().catch(fail);

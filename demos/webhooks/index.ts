/**
 * Webhooks chapter: one command starts the real server (port 8000) AND a receiver (port 8001)
 * that verifies every signature, rejects stale timestamps and drops duplicates by webhook-id,
 * printing each request it gets. With --flaky the receiver answers 500 twice, then not at all
 * (the server's timeout ends it), then 200: watch the server retry with backoff until it
 * recovers, under the same webhook-id. The pattern lives in src/transports/webhooks.ts.
 *
 *   npx tsx demos/webhooks/index.ts [--flaky]
 */
import type { AddressInfo } from 'node:net';
import { serve } from '../../src/cli/serve.js';
import { OptionsError, optionsFromText, type ServerOptions } from '../../src/config/options.js';
import type { Delivery } from '../../src/model/webhook.js';
import { newWebhookSecret } from '../../src/jobs/webhook-secret.js';
import { parseWebhookSecrets } from '../../src/transports/webhooks/secrets.js';
import { commandLine } from '../command-line.js';
import { chapterEnvironment } from '../serve-chapter.js';
import { startReceiver, type Answer, type Received } from './receiver.js';

const args = commandLine({
  command: 'npx tsx demos/webhooks/index.ts',
  summary:
    "Starts the webhooks chapter's server and a receiver that verifies signatures and prints what it gets.",
  options: {
    port: { kind: 'optional', help: 'HTTP port of the server (default 8000, or PORT)' },
    'receiver-port': { kind: 'integer', default: 8001, min: 0, max: 65535, help: 'receiver port' },
    flaky: { kind: 'flag', help: 'the receiver answers 500, 500, nothing (a timeout), then 200' },
  },
});

// Short delays so retries show within seconds (defaults: 10 s first retry, 10 s timeout, 24 h).
const settings = {
  WEBHOOK_SECRET: newWebhookSecret(),
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_DELAY: '1s',
  WEBHOOK_TIMEOUT: '3s',
};
let options: ServerOptions;
try {
  options = optionsFromText(
    { port: args.port },
    chapterEnvironment({ name: 'webhooks', settings }, process.env),
  );
} catch (error) {
  if (!(error instanceof OptionsError)) throw error;
  console.error(`webhooks: ${error.message}`);
  process.exit(2);
}

const script: Answer[] = args.flaky ? [500, 500, 'hang'] : [];
const server = await serve(options);
const { port } = server.app.server.address() as AddressInfo;
const base = `http://localhost:${port}`;
const receiver = await startReceiver({
  secrets: parseWebhookSecrets(options.webhookSecret ?? ''),
  port: args['receiver-port'],
  respond: (n) => script[n - 1] ?? 200,
  onRequest: (received) => void report(received),
});
receiver.unref();

console.log(`
Webhooks server on ${base}, receiver on ${receiver.url}${args.flaky ? ' (flaky: 500, 500, timeout, then 200)' : ''}

  1. Submit a job that calls the receiver back when it ends:
     curl -X POST ${base}/jobs -H 'content-type: application/json' \\
       -d '{"type":"demo","input":{"stepMs":300},"webhook":{"url":"${receiver.url}"}}'
  2. Watch this terminal: the receiver prints each request it verifies.
  3. The server's side, every attempt:  curl ${base}/jobs/<jobId>/deliveries

Ctrl-C stops the server.`);

async function report(received: Received): Promise<void> {
  const what = received.payload
    ? `${received.payload.type} of job ${received.payload.data.jobId}`
    : '';
  const answer =
    received.answer === 'hang'
      ? 'no answer (the server times out)'
      : received.answer === 'duplicate'
        ? '200, duplicate webhook-id: dropped'
        : received.answer === 'rejected'
          ? `401, rejected: ${received.reason}`
          : String(received.answer);
  console.log(`receiver: request ${received.request} ${received.id} ${what} → ${answer}`);
  if (received.answer !== 200 || !received.payload) return;
  // Once the server has recorded the attempt, print its side of the story.
  const url = `${base}/jobs/${received.payload.data.jobId}/deliveries`;
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { deliveries } = (await (await fetch(url)).json()) as { deliveries: Delivery[] };
    const delivery = deliveries.find((d) => d.id === received.id);
    if (delivery?.state !== 'delivered') continue;
    for (const a of delivery.attempts) {
      console.log(
        `  attempt ${a.attempt} at ${a.at}: ${a.statusCode ?? '-'} ${a.error ?? 'ok'} (${a.latencyMs} ms)`,
      );
    }
    console.log(`  ${delivery.id} delivered after ${delivery.attempts.length} attempt(s)`);
    return;
  }
}

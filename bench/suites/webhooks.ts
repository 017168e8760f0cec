/**
 * Suite 8 — webhooks: deliveries per second from our server to a receiver on loopback that
 * verifies every signature (demos/webhooks/receiver.ts), against a baseline measured in the
 * same run: a bare node:http client in this process POSTing the same signed-size bodies to the
 * same receiver, with the same concurrency (4, the default per endpoint) and a fresh
 * connection per request, as our delivery makes. Ours includes running the jobs and writing
 * the outbox; each job is a no-op, and the delivery is its terminal event.
 */
import { request } from 'node:http';
import { startReceiver } from '../../demos/webhooks/receiver.js';
import { newWebhookSecret } from '../../src/jobs/webhook-secret.js';
import { startOurServer } from '../lib/our-server.js';
import type { Suite } from '../lib/suite.js';

const CONCURRENCY = 4;

export const webhooksSuite: Suite = {
  name: 'webhooks',
  title: 'Webhooks: deliveries per second to a local receiver',
  async run(ctx) {
    const count = ctx.quick ? 500 : 3000;
    const secret = newWebhookSecret();
    const receiver = await startReceiver({ secrets: [secret] });
    try {
      ctx.log(`webhooks: bare POST baseline, ${count} requests`);
      const body = JSON.stringify({
        type: 'job.succeeded',
        timestamp: new Date().toISOString(),
        data: {},
      });
      let sent = 0;
      const bareStart = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (sent < count) {
            sent++;
            await post(receiver.url, body);
          }
        }),
      );
      const bareRate = count / ((performance.now() - bareStart) / 1000);

      ctx.log(`webhooks: ${count} no-op jobs with a webhook through our server`);
      const before = receiver.requests.length;
      const ours = await startOurServer(ctx.tempDir(), {
        WEBHOOK_SECRET: secret,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        CONCURRENCY: '32',
      });
      const started = performance.now();
      for (let i = 0; i < count; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, count - i) }, () =>
            fetch(`${ours.url}/jobs`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ type: 'noop', input: {}, webhook: { url: receiver.url } }),
            }).then((r) => r.arrayBuffer()),
          ),
        );
      }
      const deadline = Date.now() + 120_000;
      while (receiver.processed.size < count && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const elapsed = (performance.now() - started) / 1000;
      const delivered = receiver.processed.size;
      const rejected = receiver.requests
        .slice(before)
        .filter((r) => r.answer === 'rejected').length;
      await ours.stop();
      return {
        suite: this.name,
        title: this.title,
        measures: [
          {
            metric: 'webhook deliveries (submit → verified at the receiver)',
            unit: 'deliveries/s',
            better: 'higher',
            ours: delivered / elapsed,
            baseline: bareRate,
            baselineName: 'bare POSTs',
            note: `${String(delivered)}/${String(count)} delivered, ${String(rejected)} rejected`,
          },
        ],
        notes: [
          `${String(count)} deliveries, ${String(CONCURRENCY)} at once to one endpoint (the default), a new connection each`,
          'ours includes submitting and running each no-op job and the outbox writes',
        ],
      };
    } finally {
      await receiver.close();
    }
  },
};

function post(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'webhook-id': 'x' },
    });
    req.on('response', (response) => {
      response.resume();
      response.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `deliveries:<id>` on the WebSocket and `client.deliveries.watch`: a job's webhook deliveries
 * as they happen. A real receiver on loopback fails the first request and accepts the retry;
 * the topic shows the snapshot, then the failed attempt, then the delivered state, and the SDK's
 * watch ends with both attempts; an unknown job ends the watch with `job_not_found`. Another
 * key's job answers the same as a missing one on the topic: torture 10 (access control) probes it.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startReceiver } from '../demos/webhooks/receiver.js';
import { newWebhookSecret } from '../src/jobs/webhook-secret.js';
import { createClient } from '../src/client/index.js';
import type { Delivery } from '../src/model/webhook.js';
import { connect } from './helpers/ws-client.js';
import { startTestServer } from './helpers/test-server.js';

const SECRET = newWebhookSecret();

async function setup() {
  const hooks = await startReceiver({
    secrets: [SECRET],
    respond: (n) => (n === 1 ? 500 : 200),
  });
  onTestFinished(() => hooks.close());
  const { url } = await startTestServer({
    webhookSecret: SECRET,
    webhookAllowPrivate: true,
    webhookRetryDelay: 200,
  });
  return { hooks, url };
}

describe('deliveries:<id> topic', () => {
  it('sends the snapshot, then each change: a failed attempt, then delivered on the retry', async () => {
    const { hooks, url } = await setup();
    const client = createClient({ baseUrl: url });
    const job = await client.submit('demo', { stepMs: 200 }, { webhook: { url: hooks.url } });
    const socket = await connect(url);
    socket.send({ type: 'subscribe', topic: `deliveries:${job.id}`, id: 1 });
    await socket.waitFor((m) => m.type === 'subscribed');
    const snapshot = await socket.waitFor((m) => m.type === 'deliveries');
    // The job is still running: nothing to deliver yet.
    expect(snapshot).toMatchObject({ snapshot: true, deliveries: [] });
    const delivered = await socket.waitFor(
      (m) =>
        m.type === 'deliveries' &&
        (m.deliveries as Delivery[]).some((d) => d.state === 'delivered'),
      20_000,
    );
    const [final] = delivered.deliveries as Delivery[];
    expect(final?.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    // On the way there, the failed attempt was sent on its own, pending a retry.
    const failed = socket.messages.find(
      (m) =>
        m.type === 'deliveries' &&
        (m.deliveries as Delivery[]).some((d) => d.state === 'pending' && d.attempts.length === 1),
    );
    expect((failed?.deliveries as Delivery[])[0]?.nextAttemptAt).toEqual(expect.any(String));
    expect(hooks.requests.map((r) => r.answer)).toEqual([500, 200]);
  }, 30_000);

  it('the SDK watch ends with every attempt; an unknown job ends it with job_not_found', async () => {
    const { hooks, url } = await setup();
    const client = createClient({ baseUrl: url });
    const job = await client.submit('demo', { stepMs: 10 }, { webhook: { url: hooks.url } });
    const seen = await new Promise<readonly Delivery[]>((resolve) => {
      const feed = client.deliveries.watch(job.id, {
        onDeliveries: (deliveries) => {
          if (deliveries[0]?.state !== 'delivered') return;
          feed.close();
          resolve(deliveries);
        },
      });
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(await client.deliveries.list(job.id)).toEqual(seen);

    const code = await new Promise<string>((resolve) => {
      client.deliveries.watch('00000000-0000-4000-8000-000000000000', {
        onDeliveries: () => undefined,
        onError: (error) => {
          resolve(error.code);
        },
      });
    });
    expect(code).toBe('job_not_found');
  }, 30_000);
});

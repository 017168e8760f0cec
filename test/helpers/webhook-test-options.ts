/**
 * Webhook delivery settings for tests on a fake clock: private addresses allowed (receivers on
 * loopback), a breaker that never trips unless a test lowers it, and `secrets` to sign with.
 */
import type { WebhookOptions } from '../../src/transports/webhooks/options.js';

export function webhookTestOptions(
  secrets: string[],
  overrides: Partial<WebhookOptions> = {},
): WebhookOptions {
  return {
    secrets,
    allowPrivate: true,
    connectTimeoutMs: 2000,
    responseTimeoutMs: 2000,
    maxResponseBytes: 4096,
    retryWindowMs: 24 * 3_600_000,
    backoff: { type: 'exponential', delayMs: 10_000, maxDelayMs: 3_600_000, jitter: 0.5 },
    perEndpointConcurrency: 4,
    maxInFlight: 64,
    breaker: { threshold: 1000, cooldownMs: 30_000, maxCooldownMs: 600_000 },
    pollMs: 1000,
    ...overrides,
  };
}

/** The webhook transport's settings, and how they come from the server options (README, "Configuration"). */
import type { ServerOptions } from '../../config/options.js';
import type { BackoffPolicy } from '../../model/backoff.js';
import type { BreakerOptions } from './circuit-breaker.js';
import type { PostLimits } from './safe-post.js';
import { webhookSecrets } from './secrets.js';

export interface WebhookOptions extends PostLimits {
  /** Signing secrets, the current one first. */
  secrets: string[];
  /** `--webhook-allow-private`: also call loopback and private addresses (demos, tests). */
  allowPrivate: boolean;
  /** `--webhook-retry-window`: how long after the change a delivery is retried before it is dead. */
  retryWindowMs: number;
  /** Exponential with jitter, from `--webhook-retry-delay`, capped at an hour. */
  backoff: BackoffPolicy;
  /** `--webhook-concurrency`: attempts in flight at once to one endpoint (origin). */
  perEndpointConcurrency: number;
  /** Attempts in flight at once in this process, over all endpoints. */
  maxInFlight: number;
  breaker: BreakerOptions;
  /** Longest wait between two looks at the outbox (other processes, expired leases). */
  pollMs: number;
}

export function webhookOptions(options: ServerOptions): WebhookOptions {
  return {
    secrets: webhookSecrets(options.webhookSecret, options.dataDir),
    allowPrivate: options.webhookAllowPrivate,
    connectTimeoutMs: options.webhookConnectTimeout,
    responseTimeoutMs: options.webhookTimeout,
    maxResponseBytes: 4096,
    retryWindowMs: options.webhookRetryWindow,
    backoff: {
      type: 'exponential',
      delayMs: options.webhookRetryDelay,
      maxDelayMs: Math.max(options.webhookRetryDelay, 3_600_000),
      jitter: 0.5,
    },
    perEndpointConcurrency: options.webhookConcurrency,
    maxInFlight: 64,
    breaker: { threshold: 5, cooldownMs: 30_000, maxCooldownMs: 600_000 },
    pollMs: 1000,
  };
}

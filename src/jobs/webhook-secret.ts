/**
 * A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. One maker for the
 * server's own secret (transports/webhooks/secrets.ts) and each registered endpoint's.
 */
import { randomBytes } from 'node:crypto';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Signs a webhook per the Standard Webhooks specification with the `standardwebhooks` package
 * (the reference implementation): `webhook-signature` is `v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">`. With several secrets (a rotation), one signature per secret,
 * space-separated, so receivers that know either the old or the new secret both verify.
 */
import { Webhook } from 'standardwebhooks';
import type { EndpointKeys } from '../../jobs/webhook-queue.js';

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export class Signer {
  readonly #keys: Webhook[];

  /** `secrets`: `whsec_<base64>` each, the current one first. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('a webhook signer needs at least one secret');
    this.#keys = secrets.map((secret) => new Webhook(secret));
  }

  sign(id: string, at: Date, body: string): SignatureHeaders {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.#keys.map((key) => key.sign(id, at, body)).join(' '),
    };
  }
}

/**
 * The secrets a registered endpoint signs with at `now`: its current one, and the one it
 * replaced while the rotation's overlap lasts.
 */
export function endpointSecrets(keys: EndpointKeys, now: number): string[] {
  const { secret, previousSecret, previousUntil } = keys;
  const overlapping =
    previousSecret !== undefined && previousUntil !== undefined && now < previousUntil;
  return overlapping ? [secret, previousSecret] : [secret];
}

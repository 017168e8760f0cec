/**
 * The webhook signing secrets: `--webhook-secret` (comma-separated, the current one first; two
 * at once while receivers move to a new one), or else a secret generated on first use and kept
 * in `<data-dir>/webhook-secret` (mode 0600), so signatures stay the same across restarts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newWebhookSecret } from '../../jobs/webhook-secret.js';
import { OptionsError } from '../../model/errors/options-error.js';

const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** Parses `--webhook-secret`; throws an OptionsError that names the option. */
export function parseWebhookSecrets(text: string): string[] {
  const secrets = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const secret of secrets) {
    const bytes = SECRET.test(secret) ? Buffer.from(secret.slice(6), 'base64').length : 0;
    if (bytes < 24 || bytes > 64) {
      throw new OptionsError(
        '--webhook-secret (WEBHOOK_SECRET): each secret must be whsec_ followed by 24–64 bytes in base64',
      );
    }
  }
  if (secrets.length === 0) throw new OptionsError('--webhook-secret (WEBHOOK_SECRET) is empty');
  return secrets;
}

export function webhookSecrets(option: string | undefined, dataDir: string): string[] {
  if (option !== undefined) return parseWebhookSecrets(option);
  const file = join(dataDir, 'webhook-secret');
  try {
    return parseWebhookSecrets(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = newWebhookSecret();
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return [secret];
}

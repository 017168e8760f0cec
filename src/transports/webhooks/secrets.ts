/**
 * The webhook signing secrets: `--webhook-secret` (comma-separated, the current one first; two
 * at once while receivers move to a new one), or else a secret generated on first use and kept
 * in `<data-dir>/webhook-secret` (mode 0600), so signatures stay the same across restarts.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  return parseWebhookSecrets(createOnce(file, `${newWebhookSecret()}\n`));
}

/**
 * Creates `file` with `content` unless it exists, and returns what the file holds. Gateways and
 * workers on one data directory start together, so another process may create it between our
 * read and this call: the content is written to a file of our own and linked into place, which
 * either publishes it whole or fails with EEXIST, and then the winner's secret is everyone's
 * (a plain exclusive create crashed the loser, or let it read a file not yet written).
 */
export function createOnce(file: string, content: string): string {
  const own = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(own, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(own, file);
    return content;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(own, { force: true });
  }
}

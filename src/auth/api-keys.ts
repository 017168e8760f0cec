/**
 * API keys: with any configured, every request names its caller with `Authorization: Bearer
 * <key>`, and every job belongs to the key that submitted it. A key has a name (the owner
 * recorded on jobs and in logs) and a secret; only a SHA-256 digest of each secret is kept.
 *
 * Sources: `--api-keys name:secret,name2:secret2` and `--api-keys-file <path>` (one
 * `name:secret` per line; blank lines and `#` comments ignored). Worker credentials
 * (`--worker-keys`, `--worker-keys-file`) are a second set of the same form: a role of their own
 * that only the worker protocol accepts, and that cannot submit or read jobs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OptionsError } from '../model/errors/options-error.js';

const MIN_SECRET_LENGTH = 16;
const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

export class ApiKeys {
  /** digest of the secret → key name */
  readonly #owners = new Map<string, string>();

  /** `flags`: the options' names for error messages (default: the API key options). */
  static fromOptions(
    inline: string | undefined,
    file: string | undefined,
    flags: { inline: string; file: string } = { inline: '--api-keys', file: '--api-keys-file' },
  ): ApiKeys {
    const keys = new ApiKeys();
    for (const entry of (inline ?? '').split(',')) keys.#add(entry, flags.inline);
    if (file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new OptionsError(`${flags.file}: cannot read ${file}: ${String(error)}`);
      }
      for (const line of text.split(/\r?\n/)) {
        if (!line.trim().startsWith('#')) keys.#add(line, `${flags.file} ${file}`);
      }
    }
    return keys;
  }

  /** True when keys are configured, i.e. authentication is on. */
  get enabled(): boolean {
    return this.#owners.size > 0;
  }

  /** The name of the key with this secret, or undefined. */
  ownerOf(secret: string): string | undefined {
    return this.#owners.get(digest(secret));
  }

  #add(entry: string, source: string): void {
    const trimmed = entry.trim();
    if (trimmed === '') return;
    const colon = trimmed.indexOf(':');
    const name = trimmed.slice(0, colon);
    const secret = trimmed.slice(colon + 1);
    if (colon < 1 || !NAME.test(name)) {
      throw new OptionsError(
        `${source}: each key is name:secret with a name of A-Z a-z 0-9 _ . @ -`,
      );
    }
    if (secret.length < MIN_SECRET_LENGTH || /\s/.test(secret)) {
      throw new OptionsError(
        `${source}: the secret of key "${name}" must be at least ${MIN_SECRET_LENGTH} characters without spaces`,
      );
    }
    if (this.#owners.has(digest(secret))) {
      throw new OptionsError(`${source}: two keys share a secret`);
    }
    this.#owners.set(digest(secret), name);
  }
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

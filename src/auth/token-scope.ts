/**
 * What a scoped token may do, read from its claims — like Centrifugo's channel claims or
 * Mercure's `subscribe`/`publish` lists. A token without any of these claims is not scoped: it
 * may do whatever its owner may. A token with at least one is limited to what its claims list,
 * and everything else is refused as `403 insufficient_scope`:
 *
 * - `jobs`: job ids the token may read (GET, long polling, event streams, `job:<id>` on /ws);
 * - `subscribe`: topics it may follow (`jobs`, `chat:<room>`; `chat:*` for every room);
 * - `publish`: topics it may publish to (`chat:<room>`, `chat:*`).
 *
 * A scoped token cannot submit, list, cancel or look at /stats: those are its owner's.
 */
import { AppError } from '../model/errors/app-error.js';
import { refusal } from './jwt-errors.js';

export interface TokenScope {
  readonly jobs: readonly string[];
  readonly subscribe: readonly string[];
  readonly publish: readonly string[];
}

export const SCOPE_CLAIMS = ['jobs', 'subscribe', 'publish'] as const;

/** More entries than this in one claim: the token is refused (bounds the work per check). */
const MAX_ENTRIES = 100;
const MAX_ENTRY_LENGTH = 200;

/**
 * The scope the claims set, undefined when they set none; a string where a list belongs, or a
 * list of anything but short strings, is a malformed claim (the token is refused).
 */
export function scopeFromClaims(claims: Readonly<Record<string, unknown>>): TokenScope | undefined {
  if (SCOPE_CLAIMS.every((name) => claims[name] === undefined)) return undefined;
  const list = (name: (typeof SCOPE_CLAIMS)[number]): string[] => {
    const value = claims[name];
    if (value === undefined) return [];
    if (
      !Array.isArray(value) ||
      value.length > MAX_ENTRIES ||
      !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_ENTRY_LENGTH)
    ) {
      throw refusal('malformed_claim', `the ${name} claim must be a list of topic or job names`);
    }
    return value as string[];
  };
  return { jobs: list('jobs'), subscribe: list('subscribe'), publish: list('publish') };
}

/** The claims that carry `scope` (to copy it into an access token). */
export function scopeClaims(scope: TokenScope): Record<string, string[]> {
  return { jobs: [...scope.jobs], subscribe: [...scope.subscribe], publish: [...scope.publish] };
}

/** `topic` matches an entry exactly, or an entry `prefix*` by its prefix. */
export function listAllows(entries: readonly string[], topic: string): boolean {
  return entries.some((entry) =>
    entry.endsWith('*') ? topic.startsWith(entry.slice(0, -1)) : entry === topic,
  );
}

/** Throws insufficient_scope unless `scope` (if any) lets the caller read job `id`. */
export function requireJob(scope: TokenScope | undefined, id: string): void {
  if (scope !== undefined && !scope.jobs.includes(id)) {
    throw outOfScope(`this token may not read job ${id} (its jobs claim)`);
  }
}

/** Throws insufficient_scope unless `scope` (if any) lets the caller follow `topic`. */
export function requireSubscribe(scope: TokenScope | undefined, topic: string): void {
  if (scope !== undefined && !listAllows(scope.subscribe, topic)) {
    throw outOfScope(`this token may not subscribe to ${topic} (its subscribe claim)`);
  }
}

/** Throws insufficient_scope unless `scope` (if any) lets the caller publish to `topic`. */
export function requirePublish(scope: TokenScope | undefined, topic: string): void {
  if (scope !== undefined && !listAllows(scope.publish, topic)) {
    throw outOfScope(`this token may not publish to ${topic} (its publish claim)`);
  }
}

export function outOfScope(detail: string): AppError {
  return new AppError('insufficient_scope', detail);
}

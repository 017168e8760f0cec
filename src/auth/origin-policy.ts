/**
 * Which pages may call this server, from one list (--origins): open a WebSocket, or make
 * cross-origin HTTP requests (CORS). Browsers let any page open a socket to any server and
 * send the page's Origin with the upgrade; without this check every site a user visits could
 * talk to this server as that user (cross-site WebSocket hijacking). The check runs before the
 * upgrade completes, so a refused page never gets a socket. For HTTP, CORS headers are sent
 * only to the listed origins, so other pages' scripts cannot read the answers.
 */
export interface OriginPolicy {
  /** Allow pages served by this server (the Origin's host equals the request's Host). */
  sameHost: boolean;
  /** Allow every origin (`*`). */
  any: boolean;
  /** Exact origins, normalised (`https://app.example.com`). */
  origins: ReadonlySet<string>;
  /** Allow `Origin: null`: pages opened from disk (file://) and sandboxed frames. */
  allowNull: boolean;
}

/**
 * Parses `--origins`: a comma-separated list of `same-host`, `*` or origins such as
 * `https://app.example.com`. Throws an Error whose message says what is wrong.
 */
export function parseOriginList(text: string): Omit<OriginPolicy, 'allowNull'> {
  const policy = { sameHost: false, any: false, origins: new Set<string>() };
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    if (entry === 'same-host') policy.sameHost = true;
    else if (entry === '*') policy.any = true;
    else if (entry === 'null') {
      throw new Error(
        '"null" is not listed here: allow pages opened from disk with its own option',
      );
    } else policy.origins.add(normaliseOrigin(entry));
  }
  if (!policy.sameHost && !policy.any && policy.origins.size === 0) {
    throw new Error('list at least one of same-host, *, or an origin such as https://example.com');
  }
  return policy;
}

function normaliseOrigin(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new Error(`"${entry}" is not an origin such as https://example.com`);
  }
  const bare = entry.replace(/\/$/, '').toLowerCase();
  if (!['http:', 'https:'].includes(url.protocol) || url.origin !== bare) {
    throw new Error(`"${entry}" is not an origin (scheme://host[:port], nothing after it)`);
  }
  return url.origin;
}

/**
 * True when an upgrade with this Origin (undefined when absent) and Host may proceed. Requests
 * without an Origin come from programs, not browsers (browsers always send one on upgrades), and
 * cannot be hijacked by a web page, so they pass.
 */
export function isOriginAllowed(
  policy: OriginPolicy,
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (origin === undefined) return true;
  if (origin === 'null') return policy.allowNull;
  if (policy.any) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (policy.origins.has(url.origin)) return true;
  return policy.sameHost && host !== undefined && url.host === host.toLowerCase();
}

/**
 * Where a webhook may be sent (SSRF safety). A webhook URL is chosen by a client, and the
 * server calls it from inside the network, so by default only http(s) URLs whose host resolves
 * to public unicast addresses are allowed: no loopback, private (RFC 1918, unique local),
 * link-local, carrier-grade NAT, cloud metadata, multicast, reserved or documentation ranges,
 * in IPv4 or IPv6, including IPv4 hidden in IPv6 (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
 * NAT64, 6to4, Teredo). The ranges are ipaddr.js's tables, a well-kept library, not ours.
 *
 * `resolveTarget` resolves the host ONCE; the caller must connect to the address it returns
 * (safe-post.ts does, through the agent's `lookup`), so a second resolution cannot swap in
 * another address (DNS rebinding).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../../model/errors/app-error.js';

export interface ResolvedTarget {
  url: URL;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
}

/** Addresses of instance-metadata services, named so a refusal says what it protected. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

/** Why `address` may not be called, or undefined when it is a public unicast address. */
export function refusedAddressReason(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      ip = v6.toIPv4Address();
    } else if (v6.range() === 'unicast' && v6.parts.slice(0, 6).every((part) => part === 0)) {
      return 'IPv4-compatible IPv6 address';
    }
  }
  const normal = ip.toNormalizedString();
  if (METADATA.has(normal) || METADATA.has(ip.toString())) return 'cloud metadata address';
  const range = ip.range();
  return range === 'unicast' ? undefined : `${range} address`;
}

/**
 * Checks a webhook URL and resolves its host once. Rejects with `webhook_url_refused` (and a
 * `reason`) for another scheme, credentials in the URL, a host that does not resolve, or any
 * resolved address that is refused — unless `allowPrivate`.
 */
export async function resolveTarget(text: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refused('not a URL', text);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(`scheme ${url.protocol.slice(0, -1)} (only http and https)`, text);
  }
  if (url.username !== '' || url.password !== '') throw refused('credentials in the URL', text);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host);
  let addresses: { address: string; family: number }[];
  if (literal !== 0) {
    addresses = [{ address: host, family: literal }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw refused(`the host ${host} does not resolve`, text);
    }
  }
  const first = addresses[0];
  if (!first) throw refused(`the host ${host} does not resolve`, text);
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const reason = refusedAddressReason(address);
      if (reason !== undefined) throw refused(`${host} is a ${reason} (${address})`, text);
    }
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

function refused(reason: string, url: string): AppError {
  return new AppError('webhook_url_refused', `webhook URL refused: ${reason}`, {
    reason,
    url: url.slice(0, 200),
  });
}

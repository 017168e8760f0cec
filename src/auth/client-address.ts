/**
 * The address a request comes from. Directly, it is the TCP peer's. Behind reverse proxies
 * listed in `--trust-proxy`, it is the right-most `X-Forwarded-For` entry that a trusted proxy
 * did not add — the left ones are whatever the client chose to send. Per-address limits and
 * logs use it: without it, every client behind a proxy shares the proxy's address and its
 * connection cap.
 *
 * Fastify computes `request.ip` by the same rule when given the same function; the WebSocket
 * upgrade, which Fastify never sees, asks here.
 */
import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';

/** Whether the hop at `address` (0: the TCP peer) is a proxy to believe. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * `--trust-proxy`: addresses, CIDR ranges and the names `loopback`, `linklocal` and
 * `uniquelocal`, comma-separated; none given trusts no proxy. Throws on anything else. There is no
 * "trust all" and no hop count: either would let a direct client name any address it likes.
 */
export function parseTrustedProxies(text: string | undefined): ProxyTrust | undefined {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return undefined;
  for (const entry of entries) {
    if (/^\d+$/.test(entry) || entry === 'true' || entry === '*') {
      throw new Error(`"${entry}": name the proxies (addresses, CIDRs, loopback, …), not a count`);
    }
  }
  // Throws a TypeError naming the entry that is not an address or range.
  return proxyAddr.compile(entries);
}

export function clientAddress(request: IncomingMessage, trust: ProxyTrust | undefined): string {
  if (trust === undefined) return request.socket.remoteAddress ?? 'unknown';
  return proxyAddr(request, trust);
}

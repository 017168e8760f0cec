import { describe, expect, it } from 'vitest';
import { parseTrustedProxies } from './client-address.js';

describe('parseTrustedProxies', () => {
  it('trusts no proxy when none is named', () => {
    expect(parseTrustedProxies(undefined)).toBeUndefined();
    expect(parseTrustedProxies(' , ')).toBeUndefined();
  });

  it('trusts exactly the addresses, ranges and presets named', () => {
    const trust = parseTrustedProxies('loopback, 10.0.0.0/8, 192.0.2.7');
    expect(trust?.('127.0.0.1', 0)).toBe(true);
    expect(trust?.('::1', 0)).toBe(true);
    expect(trust?.('10.20.30.40', 1)).toBe(true);
    expect(trust?.('192.0.2.7', 0)).toBe(true);
    expect(trust?.('192.0.2.8', 0)).toBe(false);
    expect(trust?.('203.0.113.1', 0)).toBe(false);
  });

  it('refuses counts, "trust all" and what is not an address', () => {
    expect(() => parseTrustedProxies('2')).toThrow(/not a count/);
    expect(() => parseTrustedProxies('true')).toThrow(/not a count/);
    expect(() => parseTrustedProxies('*')).toThrow(/not a count/);
    expect(() => parseTrustedProxies('10.0.0.300')).toThrow(/invalid IP address/);
    expect(() => parseTrustedProxies('nginx.local')).toThrow(/invalid IP address/);
  });
});

import { describe, expect, it } from 'vitest';
import { isOriginAllowed, parseOriginList, type OriginPolicy } from './origin-policy.js';

const policy = (list: string, allowNull = false): OriginPolicy => ({
  ...parseOriginList(list),
  allowNull,
});

describe('origin policy', () => {
  it('allows pages from the same host by default, and programs that send no Origin', () => {
    const p = policy('same-host');
    expect(isOriginAllowed(p, 'http://localhost:8080', 'localhost:8080')).toBe(true);
    expect(isOriginAllowed(p, 'http://LOCALHOST:8080', 'localhost:8080')).toBe(true);
    expect(isOriginAllowed(p, undefined, 'localhost:8080')).toBe(true);
    expect(isOriginAllowed(p, 'http://localhost:9999', 'localhost:8080')).toBe(false);
    expect(isOriginAllowed(p, 'https://evil.example', 'localhost:8080')).toBe(false);
    expect(isOriginAllowed(p, 'not a url', 'localhost:8080')).toBe(false);
  });

  it('allows Origin null (file:// pages) only when asked to', () => {
    expect(isOriginAllowed(policy('same-host'), 'null', 'localhost:8080')).toBe(false);
    expect(isOriginAllowed(policy('same-host', true), 'null', 'localhost:8080')).toBe(true);
    expect(isOriginAllowed(policy('*'), 'null', 'x')).toBe(false);
  });

  it('allows listed origins exactly, or any with *', () => {
    const p = policy('https://app.example.com, http://127.0.0.1:3000/');
    expect(isOriginAllowed(p, 'https://app.example.com', 'api.example.com')).toBe(true);
    expect(isOriginAllowed(p, 'http://127.0.0.1:3000', 'x')).toBe(true);
    expect(isOriginAllowed(p, 'http://app.example.com', 'x')).toBe(false);
    expect(isOriginAllowed(p, 'http://localhost:3000', 'localhost:3000')).toBe(false);
    expect(isOriginAllowed(policy('*'), 'https://anything.example', 'x')).toBe(true);
  });

  it.each([
    ['null', /own option/],
    ['', /at least one/],
    ['example.com', /not an origin/],
    ['https://example.com/path', /nothing after it/],
    ['ftp://example.com', /not an origin/],
  ])('refuses %j', (list, message) => {
    expect(() => parseOriginList(list)).toThrow(message);
  });
});

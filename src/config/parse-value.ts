/** Parsers for option values given as text (flags, environment variables). */
import { parseWithUnit } from '../model/duration.js';

// Durations are parsed in model/duration.ts: a submit's `keepFor` is one too.

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `64kb`, `1mb`, or a bare number of bytes. */
export function parseSize(text: string): number | undefined {
  return parseWithUnit(text, SIZE_UNITS, 'b');
}

/** `true`/`false`, also `yes`/`no`, `on`/`off`, `1`/`0`. */
export function parseBoolean(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(value)) return true;
  if (['false', 'no', 'off', '0'].includes(value)) return false;
  return undefined;
}

export function parseInteger(text: string): number | undefined {
  if (!/^-?\d+$/.test(text.trim())) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

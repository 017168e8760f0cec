/** Parsers for option values given as text (flags, environment variables). */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `250ms`, `30s`, `10m`, `24h`, `7d`, or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  return parseWithUnit(text, DURATION_UNITS, 'ms');
}

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

function parseWithUnit(
  text: string,
  units: Record<string, number>,
  bareUnit: string,
): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const factor = units[(match[2] ?? '').toLowerCase() || bareUnit];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}

/**
 * Durations as people write them — `250ms`, `30s`, `10m`, `24h`, `7d`, or a bare number of
 * milliseconds — for server options and for API fields that take one (a submit's `keepFor`).
 * Pure (model/), so the engine reads a submit's `keepFor` with the parser the options use.
 */

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  return parseWithUnit(text, DURATION_UNITS, 'ms');
}

/** `<number><unit>` (units case-insensitive, `bareUnit` when none) in the units' base. */
export function parseWithUnit(
  text: string,
  units: Readonly<Record<string, number>>,
  bareUnit: string,
): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const factor = units[(match[2] ?? '').toLowerCase() || bareUnit];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}

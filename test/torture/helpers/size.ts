/**
 * The two sizes of the torture suite: `full` (npm run torture) and `quick` (TORTURE=quick, what
 * CI runs): the same cases and assertions, fewer trials and smaller counts.
 */
export type TortureSize = 'full' | 'quick';

export const FIGURES_ENV = 'TORTURE_FIGURES_FILE';

export function tortureSize(): TortureSize {
  return process.env.TORTURE === 'quick' ? 'quick' : 'full';
}

/** `full` or `quick`, by the size of this run. */
export function sized<T>(full: T, quick: T): T {
  return tortureSize() === 'quick' ? quick : full;
}

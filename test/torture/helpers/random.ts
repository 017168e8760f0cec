/**
 * A seeded generator for the randomised (non-property) cases: the seed is printed with the
 * figure, and TORTURE_SEED replays a run.
 */
export interface Random {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next: () => number;
  /** Integer in [min, max]. */
  int: (min: number, max: number) => number;
  pick: <T>(items: readonly T[]) => T;
}

export function seededRandom(
  seed = Number(process.env.TORTURE_SEED ?? Date.now() % 2 ** 31),
): Random {
  // mulberry32: tiny, fast and good enough to spread faults over time.
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}

/**
 * The worker-thread side of estimate-pi: `workerTask` wraps a plain function, gives it
 * `ctx.progress` and carries its result (or its JobFailure) back to the main thread. Keep
 * progress coarse — here at most one per percent — because each one becomes a stored event.
 */
import { workerTask } from 'backend-patterns';

export interface EstimatePiInput {
  samples: number;
  seed: number;
}

export default workerTask((input: EstimatePiInput, ctx) => {
  const random = xorshift32(input.seed);
  let inside = 0;
  let reported = 0;
  for (let i = 1; i <= input.samples; i++) {
    const x = random();
    const y = random();
    if (x * x + y * y <= 1) inside++;
    const percent = Math.floor((i * 100) / input.samples);
    if (percent > reported && percent < 100) {
      reported = percent;
      ctx.progress(percent, { samples: i, estimate: (4 * inside) / i });
    }
  }
  return { samples: input.samples, estimate: (4 * inside) / input.samples };
});

/** A small seeded generator, so the same input gives the same estimate. Values in [0, 1). */
function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

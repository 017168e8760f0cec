/**
 * Worker-thread task: counts the primes below n with a segmented sieve of Eratosthenes.
 * Pure computation: it would freeze the event loop for seconds, which is why `primes` is a
 * `cpu` job type and this file only ever runs inside the worker pool.
 */
import { workerTask } from '../../execution/worker-task.js';

const SEGMENT = 1 << 18; // 256 Ki numbers per segment: fits in L2, ~100+ progress points at 1e8

export function countPrimesBelow(n: number, onSegment?: (done: number) => void): number {
  if (n <= 2) return 0;
  const limit = Math.floor(Math.sqrt(n - 1));
  // Base primes up to sqrt(n) with a simple sieve.
  const small = new Uint8Array(limit + 1);
  const basePrimes: number[] = [];
  for (let i = 2; i <= limit; i++) {
    if (small[i] === 0) {
      basePrimes.push(i);
      for (let j = i * i; j <= limit; j += i) small[j] = 1;
    }
  }
  let count = 0;
  const segment = new Uint8Array(SEGMENT);
  for (let low = 2; low < n; low += SEGMENT) {
    const high = Math.min(low + SEGMENT, n); // exclusive
    segment.fill(0);
    for (const p of basePrimes) {
      if (p * p >= high) break;
      let start = Math.max(p * p, Math.ceil(low / p) * p);
      for (; start < high; start += p) segment[start - low] = 1;
    }
    for (let i = 0; i < high - low; i++) if (segment[i] === 0) count++;
    onSegment?.(high);
  }
  return count;
}

export default workerTask((input: { n: number }, ctx) => {
  let reported = 0;
  const count = countPrimesBelow(input.n, (done) => {
    const percent = Math.floor((done * 100) / input.n);
    if (percent > reported && percent < 100) {
      reported = percent;
      ctx.progress(percent, { checkedBelow: done });
    }
  });
  return { n: input.n, count };
});

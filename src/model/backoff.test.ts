import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffPolicyProblem } from './backoff.js';

describe('backoffDelay', () => {
  it('waits the same delay on every retry when fixed', () => {
    const policy = { type: 'fixed', delayMs: 500 } as const;
    expect([1, 2, 5].map((retry) => backoffDelay(policy, retry))).toEqual([500, 500, 500]);
  });

  it('doubles per retry when exponential, up to the cap', () => {
    const policy = { type: 'exponential', delayMs: 100, maxDelayMs: 1_000 } as const;
    expect([1, 2, 3, 4, 5, 60].map((retry) => backoffDelay(policy, retry))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('spreads the delay over its random share with jitter', () => {
    const policy = { type: 'fixed', delayMs: 1_000, jitter: 0.5 } as const;
    expect(backoffDelay(policy, 1, () => 0)).toBe(500);
    expect(backoffDelay(policy, 1, () => 0.999_999)).toBe(1_000);
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(750);
  });

  it('refuses a retry number below 1', () => {
    expect(() => backoffDelay({ type: 'fixed', delayMs: 1 }, 0)).toThrow(RangeError);
  });
});

describe('backoffPolicyProblem', () => {
  it('names the field that is wrong', () => {
    expect(backoffPolicyProblem({ type: 'fixed', delayMs: 10 })).toBeUndefined();
    expect(backoffPolicyProblem({ type: 'linear' as 'fixed', delayMs: 10 })).toMatch(
      /backoff.type/,
    );
    expect(backoffPolicyProblem({ type: 'fixed', delayMs: -1 })).toMatch(/delayMs/);
    expect(backoffPolicyProblem({ type: 'fixed', delayMs: 10, maxDelayMs: 5 })).toMatch(
      /maxDelayMs/,
    );
    expect(backoffPolicyProblem({ type: 'fixed', delayMs: 10, jitter: 2 })).toMatch(/jitter/);
  });
});

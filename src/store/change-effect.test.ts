import { describe, expect, it } from 'vitest';
import { changeEffect } from './change-effect.js';

describe('changeEffect', () => {
  it('clamps and rounds progress, and keeps its data', () => {
    expect(changeEffect({ kind: 'progress', progress: 140.2, data: { step: 3 } })).toEqual({
      progress: 100,
      data: { step: 3 },
    });
    expect(changeEffect({ kind: 'progress', progress: -5 }).progress).toBe(0);
    expect(changeEffect({ kind: 'progress', progress: 42.6 }).progress).toBe(43);
  });

  it('sets progress to 100 on success and carries the result (null when none)', () => {
    expect(changeEffect({ kind: 'succeeded', result: undefined })).toEqual({
      progress: 100,
      result: null,
      data: { result: null },
    });
  });

  it('keeps progress on failure, start and cancel; resets it on requeue', () => {
    const error = { code: 'boom', message: 'it broke' };
    expect(changeEffect({ kind: 'failed', error })).toEqual({
      progress: undefined,
      error,
      data: { error },
    });
    expect(changeEffect({ kind: 'started' })).toEqual({ progress: undefined, data: undefined });
    expect(changeEffect({ kind: 'canceled' }).data).toBeUndefined();
    expect(changeEffect({ kind: 'canceled', reason: 'by user' }).data).toEqual({
      reason: 'by user',
    });
    expect(changeEffect({ kind: 'requeued', reason: 'worker lost' })).toEqual({
      progress: 0,
      data: { reason: 'worker lost' },
    });
  });
});

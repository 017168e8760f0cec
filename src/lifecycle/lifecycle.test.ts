import { describe, expect, it } from 'vitest';
import { inParallel, Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('goes running → closing → closed, and every close() returns the same promise', async () => {
    const lifecycle = new Lifecycle(() => undefined);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let built = 0;
    const stages = () => {
      built++;
      return [{ name: 'wait', run: () => gate }];
    };
    expect(lifecycle.state).toBe('running');
    const first = lifecycle.close(stages);
    expect(lifecycle.state).toBe('closing');
    expect(lifecycle.running).toBe(false);
    const second = lifecycle.close(stages);
    expect(second).toBe(first);
    release();
    await first;
    expect(lifecycle.state).toBe('closed');
    expect(lifecycle.close(stages)).toBe(first);
    expect(built).toBe(1);
  });

  it('runs stages in order, reports a failing one and still runs the later ones', async () => {
    const failures: [string, unknown][] = [];
    const lifecycle = new Lifecycle((stage, error) => failures.push([stage, error]));
    const ran: string[] = [];
    await lifecycle.close(() => [
      { name: 'a', run: () => void ran.push('a') },
      {
        name: 'b',
        run: () => {
          ran.push('b');
          throw new Error('b broke');
        },
      },
      { name: 'c', run: async () => Promise.reject(new Error('c broke')) },
      { name: 'd', run: () => void ran.push('d') },
    ]);
    expect(ran).toEqual(['a', 'b', 'd']);
    expect(failures.map(([stage, error]) => [stage, (error as Error).message])).toEqual([
      ['b', 'b broke'],
      ['c', 'c broke'],
    ]);
    expect(lifecycle.state).toBe('closed');
  });

  it('runs parallel stages together and reports each failure on its own', async () => {
    const failures: string[] = [];
    const lifecycle = new Lifecycle((stage) => failures.push(stage));
    const order: string[] = [];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    const closing = lifecycle.close(() => [
      inParallel('drain', [
        { name: 'slow', run: async () => slow.then(() => void order.push('slow')) },
        {
          name: 'fast',
          run: () => {
            order.push('fast');
            releaseSlow();
            throw new Error('fast broke');
          },
        },
      ]),
      { name: 'after', run: () => void order.push('after') },
    ]);
    await closing;
    expect(order).toEqual(['fast', 'slow', 'after']);
    expect(failures).toEqual(['fast']);
  });

  it('reports a failure to build the stages and still ends closed', async () => {
    const failures: string[] = [];
    const lifecycle = new Lifecycle((stage) => failures.push(stage));
    await lifecycle.close(() => {
      throw new Error('no stages');
    });
    expect(failures).toEqual(['close']);
    expect(lifecycle.state).toBe('closed');
  });
});

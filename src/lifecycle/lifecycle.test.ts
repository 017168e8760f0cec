import { describe, expect, it } from 'vitest';
import { inParallel, inSequence, Lifecycle } from './lifecycle.js';

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

  it('runs a sequence inside a parallel stage in order, past a failing step', async () => {
    const failures: string[] = [];
    const lifecycle = new Lifecycle((stage) => failures.push(stage));
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = new Promise<void>((resolve) => (releaseFirst = resolve));
    await lifecycle.close(() => [
      inParallel('drain', [
        inSequence('http', [
          { name: 'sockets', run: async () => first.then(() => void order.push('sockets')) },
          {
            name: 'listener',
            run: () => {
              order.push('listener');
              throw new Error('listener broke');
            },
          },
          { name: 'after listener', run: () => void order.push('after listener') },
        ]),
        {
          name: 'runner',
          run: () => {
            order.push('runner');
            releaseFirst();
          },
        },
      ]),
    ]);
    expect(order).toEqual(['runner', 'sockets', 'listener', 'after listener']);
    expect(failures).toEqual(['listener']);
  });

  it('is closed at once when close() is called before anything ran, and stays closed', async () => {
    const lifecycle = new Lifecycle(() => undefined);
    const closing = lifecycle.close(() => []);
    await closing;
    expect(lifecycle.state).toBe('closed');
    expect(lifecycle.running).toBe(false);
    let built = false;
    expect(
      lifecycle.close(() => {
        built = true;
        return [];
      }),
    ).toBe(closing);
    expect(built).toBe(false);
  });
});

import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { closeOnSignals, type SignalTarget } from './shutdown-signals.js';

/** A stand-in for `process`: signals are emitted by hand, exits recorded. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const target: SignalTarget = {
    on: (signal, listener) => emitter.on(signal, listener),
    exit: (code) => {
      exits.push(code);
    },
  };
  return { target, exits, send: (signal: NodeJS.Signals) => emitter.emit(signal, signal) };
}

function setUp() {
  const fake = fakeProcess();
  let clock = 1_000_000;
  const close = vi.fn(() => new Promise<void>(() => undefined)); // a shutdown still under way
  closeOnSignals(pino({ level: 'silent' }), 10_000, close, {
    target: fake.target,
    now: () => clock,
    duplicateWindowMs: 1000,
  });
  return { ...fake, close, advance: (ms: number) => (clock += ms) };
}

describe('closeOnSignals', () => {
  it('takes the copies a wrapper relays (npm, npx, tsx) as the same request', () => {
    const { send, advance, close, exits } = setUp();
    send('SIGINT'); // from the terminal, to the whole process group
    advance(2);
    send('SIGINT'); // npm's relay
    advance(30);
    send('SIGINT'); // tsx's relay, after its 30 ms wait
    advance(900);
    send('SIGTERM');
    expect(close).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([]);
  });

  it('exits at once on a signal after the window: a second, deliberate Ctrl-C', () => {
    const { send, advance, close, exits } = setUp();
    send('SIGINT');
    advance(1001);
    send('SIGINT');
    expect(close).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([130]);
  });
});

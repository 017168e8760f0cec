/**
 * The system under test, as a process: the real server with its options from the environment
 * (PORT, HOST, DATA_DIR, REDIS_URL, ...), plus two job types for benchmarks:
 * - `noop` finishes at once, for measuring the job machinery itself;
 * - `noop-external`, the same run by external workers over the worker protocol (the bench is
 *   the worker: claim, complete);
 * - `ticker` emits `updates` updates `intervalMs` apart (progress, then `succeeded` as the last
 *   one), starting `phaseMs` after its gate opens. The gate is a message on the chat topic
 *   `chat:bench-gate` with `{ gate }`: the bench opens it once every client is watching, so the
 *   updates happen on a schedule the bench controls, not while clients are still connecting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import { optionsFromText } from '../../src/config/options.js';
import { defineJobType } from '../../src/jobs/job-type.js';
import { createServer } from '../../src/server.js';

const noop = defineJobType({
  name: 'noop',
  description: 'benchmarks: finishes at once',
  execution: 'io',
  input: Type.Object({}),
  timeoutMs: 60_000,
  async handler() {
    return null;
  },
});

const noopExternal = defineJobType({
  name: 'noop-external',
  description: 'benchmarks: run by external workers, which complete it at once',
  execution: 'external',
  input: Type.Object({}),
  timeoutMs: 60_000,
});

/** Gates opened so far, and the tickers waiting for theirs. */
const opened = new Set<string>();
const waiting = new Map<string, (() => void)[]>();

function gateOpen(gate: string, signal: AbortSignal): Promise<void> {
  if (opened.has(gate)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    waiting.set(gate, [...(waiting.get(gate) ?? []), resolve]);
    signal.addEventListener('abort', () => {
      reject(new Error('aborted'));
    });
  });
}

const ticker = defineJobType({
  name: 'ticker',
  description: 'benchmarks: `updates` updates `intervalMs` apart once its gate opens',
  execution: 'io',
  input: Type.Object({
    gate: Type.String(),
    updates: Type.Integer({ minimum: 1, maximum: 1000 }),
    intervalMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
    phaseMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
  }),
  timeoutMs: 10 * 60_000,
  async handler(input, ctx) {
    await gateOpen(input.gate, ctx.signal);
    // An absolute schedule: a late tick does not push the later ones back.
    const start = performance.now() + input.phaseMs;
    for (let update = 1; update <= input.updates; update++) {
      const due = start + update * input.intervalMs - performance.now();
      await sleep(Math.max(0, due), undefined, { signal: ctx.signal });
      if (update < input.updates) void ctx.progress((update * 100) / input.updates);
    }
    return null;
  },
});

const server = await createServer(optionsFromText({}, process.env), {
  jobTypes: [noop, noopExternal, ticker],
});
server.engine.topics.subscribe('chat:bench-gate', (message) => {
  // What a WebSocket client publishes arrives wrapped: { kind: 'publish', data }.
  const gate = (message.data as { data?: { gate?: string } }).data?.gate ?? '';
  opened.add(gate);
  for (const resolve of waiting.get(gate) ?? []) resolve();
  waiting.delete(gate);
});
const url = await server.listen();
console.log(JSON.stringify({ ready: url }));
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

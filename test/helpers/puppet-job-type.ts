/** A job type the test drives step by step: progress when it says, finish when it says. */
import Type from 'typebox';
import { defineJobType } from '../../src/jobs/job-type.js';

export interface Puppet {
  progress(percent: number, data?: unknown): Promise<void>;
  finish(result?: unknown): void;
}

export function puppetJobType() {
  const started = new Map<string, Puppet>();
  const waiting = new Map<string, (puppet: Puppet) => void>();
  const type = defineJobType({
    name: 'puppet',
    description: 'test: moves only when the test says so',
    execution: 'io',
    input: Type.Object({}),
    timeoutMs: 60_000,
    handler: (_input, ctx) =>
      new Promise<unknown>((resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          reject(new Error('aborted'));
        });
        const puppet: Puppet = { progress: (p, data) => ctx.progress(p, data), finish: resolve };
        started.set(ctx.jobId, puppet);
        waiting.get(ctx.jobId)?.(puppet);
      }),
  });
  /** Resolves once the job with this id runs. */
  const control = (jobId: string): Promise<Puppet> => {
    const puppet = started.get(jobId);
    if (puppet) return Promise.resolve(puppet);
    return new Promise((resolve) => waiting.set(jobId, resolve));
  };
  return { type, control };
}

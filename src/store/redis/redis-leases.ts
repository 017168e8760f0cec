/**
 * The Redis store's leases (src/store/leases.ts) over the scripts of lease-scripts.ts: the
 * arguments in, the replies out, and the refusals as the catalogue errors they mean.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../model/errors/app-error.js';
import type { Job } from '../../model/job.js';
import {
  jobCanceled,
  lapsedLeaseChange,
  leaseLost,
  type LeasedJob,
  type LeasedOutcome,
} from '../leases.js';
import { newLeaseToken } from '../lease-token.js';
import { eventFromPayload, hashFromList, jobFromHash } from './codec.js';
import { appliedChange, changeArgs, type ScriptReply } from './redis-commands.js';

export interface RedisLeaseContext {
  redis: Redis;
  prefix: string;
  epoch(): string;
  /** Throws why a script found another epoch. */
  refusedForEpoch(): Promise<never>;
  /**
   * The retry decision's script arguments (delay, attempt; both '' when final) for a failure,
   * the same the store's own updates pass, so a worker's failure is retried as a runner's is.
   */
  retryArgs(id: string, change: LeasedOutcome): Promise<[string, string]>;
}

/** The failure the script records (the same change as SQLite's, lapsedLeaseChange). */
const LAPSED_FAILURE = lapsedLeaseChange({ attempt: 1, maxAttempts: 1 }, 0);

export class RedisLeases {
  readonly #ctx: RedisLeaseContext;

  constructor(ctx: RedisLeaseContext) {
    this.#ctx = ctx;
  }

  async claim(
    types: readonly string[],
    worker: string,
    leaseMs: number,
    typeLimits: Readonly<Record<string, number>>,
  ): Promise<LeasedJob | undefined> {
    if (types.length === 0) return undefined;
    const token = newLeaseToken();
    const limits = types.flatMap((type) => {
      const limit = typeLimits[type];
      return limit === undefined ? [] : [type, String(limit)];
    });
    const reply = await this.#ctx.redis.bpClaimLeased(
      ...this.#head(),
      token,
      worker,
      String(leaseMs),
      String(limits.length / 2),
      ...limits,
      ...types,
    );
    if (reply[0] === 'none') return undefined;
    const job = await this.#job('', 'started', reply);
    return { job, lease: { token, worker, expiresAt: Number(reply[3]) } };
  }

  async renew(
    id: string,
    token: string,
    leaseMs: number,
    progress: { progress: number; data?: unknown } | undefined,
  ): Promise<LeasedJob> {
    const args = progress ? changeArgs({ kind: 'progress', ...progress }).slice(1, 3) : ['', ''];
    const reply = await this.#ctx.redis.bpRenewLease(
      ...this.#head(),
      id,
      token,
      String(leaseMs),
      ...args,
    );
    await this.#refusal(id, reply);
    const job = jobFromHash(hashFromList(reply[2] as string[]));
    return {
      job,
      lease: { token, worker: String(reply[4]), expiresAt: Number(reply[3]) },
    };
  }

  async complete(id: string, token: string, outcome: LeasedOutcome): Promise<Job> {
    const retry = outcome.kind === 'failed' ? await this.#ctx.retryArgs(id, outcome) : ['', ''];
    const reply = await this.#ctx.redis.bpCompleteLeased(
      ...this.#head(),
      id,
      token,
      ...changeArgs(outcome),
      ...retry,
    );
    await this.#refusal(id, reply);
    return appliedChange(id, outcome.kind, reply).job;
  }

  async expire(requeueBelowAttempt: number): Promise<string[]> {
    const error = LAPSED_FAILURE.kind === 'failed' ? JSON.stringify(LAPSED_FAILURE.error) : '';
    const reply = await this.#ctx.redis.bpExpireLeases(
      ...this.#head(),
      String(requeueBelowAttempt),
      error,
    );
    if (reply[0] === 'epoch') return this.#ctx.refusedForEpoch();
    return reply.slice(1).map((payload) => eventFromPayload(payload).jobId);
  }

  #head(): [string, string] {
    return [this.#ctx.prefix, this.#ctx.epoch()];
  }

  async #job(id: string, kind: string, reply: ScriptReply): Promise<Job> {
    if (reply[0] === 'epoch') return this.#ctx.refusedForEpoch();
    return appliedChange(id, kind, reply).job;
  }

  async #refusal(id: string, reply: ScriptReply): Promise<void> {
    switch (reply[0]) {
      case 'epoch':
        return this.#ctx.refusedForEpoch();
      case 'missing':
        throw new AppError('job_not_found', `no job has id ${id}`);
      case 'lost':
        throw leaseLost(id);
      case 'canceled':
        throw jobCanceled(id);
    }
  }
}

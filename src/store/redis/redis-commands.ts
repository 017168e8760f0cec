/**
 * The Lua scripts (scripts.ts) as ioredis commands, and the small conversions around them: the
 * arguments of a change, the meaning of a change's reply, and the mapping of connection
 * failures to `store_unavailable`.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../model/errors/app-error.js';
import type { Job, JobEvent } from '../../model/job.js';
import { changeEffect } from '../change-effect.js';
import type { JobChange } from '../store.js';
import { eventFromPayload, hashFromList, jobFromHash } from './codec.js';
import {
  CLAIM_SCRIPT,
  CREATE_SCRIPT,
  LIST_SCRIPT,
  OUTBOX_SCRIPT,
  PRUNE_SCRIPT,
  UPDATE_SCRIPT,
} from './scripts.js';
import {
  CLAIM_LEASED_SCRIPT,
  COMPLETE_LEASED_SCRIPT,
  EXPIRE_LEASES_SCRIPT,
  RENEW_LEASE_SCRIPT,
} from './lease-scripts.js';

export type ScriptReply = [string, ...unknown[]];

declare module 'ioredis' {
  interface RedisCommander {
    bpCreate(...args: string[]): Promise<ScriptReply>;
    bpUpdate(...args: string[]): Promise<ScriptReply>;
    bpClaim(...args: string[]): Promise<ScriptReply>;
    bpPrune(...args: string[]): Promise<number>;
    bpList(...args: string[]): Promise<[string, ...string[][]]>;
    bpOutbox(...args: string[]): Promise<string[]>;
    bpClaimLeased(...args: string[]): Promise<ScriptReply>;
    bpRenewLease(...args: string[]): Promise<ScriptReply>;
    bpCompleteLeased(...args: string[]): Promise<ScriptReply>;
    bpExpireLeases(...args: string[]): Promise<string[]>;
  }
}

const SCRIPTS = {
  bpCreate: CREATE_SCRIPT,
  bpUpdate: UPDATE_SCRIPT,
  bpClaim: CLAIM_SCRIPT,
  bpPrune: PRUNE_SCRIPT,
  bpList: LIST_SCRIPT,
  bpOutbox: OUTBOX_SCRIPT,
  bpClaimLeased: CLAIM_LEASED_SCRIPT,
  bpRenewLease: RENEW_LEASE_SCRIPT,
  bpCompleteLeased: COMPLETE_LEASED_SCRIPT,
  bpExpireLeases: EXPIRE_LEASES_SCRIPT,
};

/** A change script's reply: the job and its new event, or the catalogue error it means. */
export function appliedChange(
  id: string,
  kind: string,
  reply: ScriptReply,
): { job: Job; event: JobEvent } {
  if (reply[0] === 'missing') throw new AppError('job_not_found', `no job has id ${id}`);
  if (reply[0] === 'illegal') {
    throw new AppError('illegal_transition', `a ${String(reply[1])} job cannot become ${kind}`);
  }
  return {
    job: jobFromHash(hashFromList(reply[2] as string[])),
    event: eventFromPayload(reply[1] as string),
  };
}

/**
 * Connection failures become `store_unavailable` (503: retry later) instead of an internal
 * error; the job store's own errors (job_not_found, illegal_transition) pass through.
 */
export async function guard<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('store_unavailable', 'the job store cannot be reached; retry later');
  }
}

/**
 * Registers Lua scripts as commands on `redis` (each takes its keys from the prefix it is
 * given, so none declares keys): the job store's by default, or another store's table.
 */
export function defineScripts(
  redis: Redis,
  scripts: Readonly<Record<string, string>> = SCRIPTS,
): void {
  for (const [name, lua] of Object.entries(scripts)) {
    redis.defineCommand(name, { numberOfKeys: 0, lua });
  }
}

/** The update script's arguments after prefix, epoch and id: kind, progress, data, result, error. */
export function changeArgs(change: JobChange): string[] {
  const effect = changeEffect(change);
  // The script reads `progress` for progress changes only, and sets it for the others.
  const progress = String(effect.progress ?? 0);
  const data = effect.data === undefined ? '' : JSON.stringify(effect.data);
  const result = 'result' in effect ? JSON.stringify(effect.result) : '';
  const error = effect.error ? JSON.stringify(effect.error) : '';
  return [change.kind, progress, data, result, error];
}

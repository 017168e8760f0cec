/**
 * The Redis store's per-type slots (src/store/type-slots.ts) over the scripts of
 * type-slot-scripts.ts: the start within a limit, and the parking list that lets a BullMQ
 * worker put a job aside until a job of its type ends, instead of fetching it again and again.
 */
import type { Redis } from 'ioredis';
import type { LimitedStart, SlotParking, TypeSlots } from '../type-slots.js';
import { appliedChange, defineScripts, guard, type ScriptReply } from './redis-commands.js';
import { TYPE_SLOT_SCRIPTS } from './type-slot-scripts.js';

declare module 'ioredis' {
  interface RedisCommander {
    bpStartWithin(...args: string[]): Promise<ScriptReply>;
    bpPark(...args: string[]): Promise<ScriptReply>;
    bpRelease(...args: string[]): Promise<ScriptReply>;
  }
}

export interface RedisTypeSlotContext {
  redis: Redis;
  prefix: string;
  /** The deployment epoch, once the data is known to be kept (throws otherwise). */
  epoch(): string;
  /** Throws why a script found another epoch. */
  refusedForEpoch(): Promise<never>;
}

export class RedisTypeSlots implements TypeSlots {
  readonly #ctx: RedisTypeSlotContext;
  readonly parking: SlotParking;

  constructor(ctx: RedisTypeSlotContext) {
    this.#ctx = ctx;
    defineScripts(ctx.redis, TYPE_SLOT_SCRIPTS);
    this.parking = {
      park: (id, limit) => guard(this.#wake('park', id, limit)),
      release: (type, limit) => guard(this.#wake('release', type, limit)),
    };
  }

  start(id: string, limit: number): Promise<LimitedStart> {
    return guard(this.#start(id, limit));
  }

  async #start(id: string, limit: number): Promise<LimitedStart> {
    const reply = await this.#ctx.redis.bpStartWithin(...this.#args(id, limit));
    if (reply[0] === 'epoch') return this.#ctx.refusedForEpoch();
    if (reply[0] === 'full') return { outcome: 'full' };
    return { outcome: 'started', ...appliedChange(id, 'started', reply) };
  }

  async #wake(script: 'park' | 'release', subject: string, limit: number): Promise<string[]> {
    const args = this.#args(subject, limit);
    const { redis } = this.#ctx;
    const reply = await (script === 'park' ? redis.bpPark(...args) : redis.bpRelease(...args));
    if (reply[0] === 'epoch') return this.#ctx.refusedForEpoch();
    return reply.slice(1).map(String);
  }

  #args(subject: string, limit: number): string[] {
    return [this.#ctx.prefix, this.#ctx.epoch(), subject, String(limit)];
  }
}

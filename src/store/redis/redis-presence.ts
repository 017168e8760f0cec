/**
 * Chat-room presence across gateways (Redis mode): each gateway records the members it hosts
 * in a hash per room under its lease (gateway-scripts.ts), and a join or leave answers the
 * room's count on every live gateway. A gateway that dies takes its members with it when its
 * lease ends; nobody is told (there is no leave notice for them), but no count includes them.
 *
 * The members hosted here are also kept in memory: the lease renewal keeps their rooms alive
 * and writes them again when Redis lost them, and while Redis cannot answer a count is this
 * gateway's own.
 */
import type { RoomPresence } from '../room-presence.js';
import type { GatewayContext } from './gateway-scripts.js';

export class RedisPresence implements RoomPresence {
  readonly #context: GatewayContext;
  /** topic → member id → name: the members this gateway hosts. */
  readonly #rooms = new Map<string, Map<string, string>>();
  /** A write failed (or may have): the next renewal writes every room again. */
  dirty = false;

  constructor(context: GatewayContext) {
    this.#context = context;
  }

  /** The rooms this gateway has members in, whose keys the renewal keeps alive. */
  rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  async join(topic: string, member: string, name: string): Promise<number> {
    let room = this.#rooms.get(topic);
    if (!room) {
      room = new Map();
      this.#rooms.set(topic, room);
    }
    room.set(member, name);
    const { redis, prefix, id, leaseMs } = this.#context;
    try {
      return await redis.bpRoomJoin(prefix, id, leaseMs, topic, member, name);
    } catch {
      this.dirty = true;
      return this.#rooms.get(topic)?.size ?? 0;
    }
  }

  async leave(topic: string, member: string): Promise<number> {
    const room = this.#rooms.get(topic);
    room?.delete(member);
    if (room?.size === 0) this.#rooms.delete(topic);
    const { redis, prefix, id } = this.#context;
    try {
      return await redis.bpRoomLeave(prefix, id, topic, member);
    } catch {
      this.dirty = true;
      return this.#rooms.get(topic)?.size ?? 0;
    }
  }

  /**
   * Every room's members here, replacing what Redis holds of them. A room emptied while a
   * write failed is not rewritten: its key is no longer renewed and expires within a lease.
   */
  async rewrite(): Promise<void> {
    const { redis, prefix, id, leaseMs } = this.#context;
    this.dirty = false;
    try {
      await Promise.all(
        [...this.#rooms].map(([topic, members]) =>
          redis.bpRoomRewrite(prefix, id, leaseMs, topic, ...[...members].flat()),
        ),
      );
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }
}

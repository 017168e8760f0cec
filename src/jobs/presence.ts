/**
 * Who is in each chat room, on this server: the members that subscribed with a name. Join and
 * leave notices are published on the room's topic through the bus, so every subscriber sees
 * them in order with the room's messages. The count is this server's; in Redis mode the
 * notices carry the count of every gateway instead (src/store/redis/redis-presence.ts).
 */
export class Presence {
  readonly #rooms = new Map<string, Map<object, string>>();

  /** Adds `member` under `name`; returns the room's member count. */
  join(topic: string, member: object, name: string): number {
    let room = this.#rooms.get(topic);
    if (!room) {
      room = new Map();
      this.#rooms.set(topic, room);
    }
    room.set(member, name);
    return room.size;
  }

  /** Removes `member`; returns its name and the count left, or undefined if it was not there. */
  leave(topic: string, member: object): { name: string; members: number } | undefined {
    const room = this.#rooms.get(topic);
    const name = room?.get(member);
    if (!room || name === undefined) return undefined;
    room.delete(member);
    if (room.size === 0) this.#rooms.delete(topic);
    return { name, members: room.size };
  }

  nameOf(topic: string, member: object): string | undefined {
    return this.#rooms.get(topic)?.get(member);
  }
}

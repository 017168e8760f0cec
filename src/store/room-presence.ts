/**
 * Who is in each chat room across a deployment of several gateways (Redis mode): each gateway
 * records its own members, and a count covers every gateway that is alive. The engine's topics
 * (src/jobs/topics.ts) keep the members of their own process and ask this for the room's
 * count; without it (one process) their own count is the room's.
 */
export interface RoomPresence {
  /**
   * Records `member` (an id unique in this process) in the room under `name`; resolves with
   * the room's member count, every gateway's. Never rejects: while the shared count cannot be
   * reached it answers this gateway's own count.
   */
  join(topic: string, member: string, name: string): Promise<number>;
  /** Removes `member`; resolves with the room's count after, like join(). */
  leave(topic: string, member: string): Promise<number>;
}

/**
 * Connection caps counted across every gateway (Redis mode): a connection is admitted by one
 * script that sums the address's and the key's connections on every live gateway and takes a
 * slot on this one (gateway-scripts.ts), so a key capped at N holds N in total however many
 * gateways it connects through.
 *
 * This gateway's own share is also counted here, in memory: it is what the lease renewal
 * writes again when Redis lost it, and what a cap is checked against while Redis cannot
 * answer (the cap then holds per gateway, as rate limits fall back to, rather than refusing
 * every stream or admitting any number).
 */
import type {
  ConnectionLimitOptions,
  ConnectionLimits,
  Release,
} from '../../limits/connection-limits.js';
import { tooManyConnections } from '../../limits/connection-limits.js';
import type { GatewayContext } from './gateway-scripts.js';

export class RedisConnectionCounts implements ConnectionLimits {
  readonly #context: GatewayContext;
  readonly #caps: ConnectionLimitOptions;
  /** This gateway's connections by field (`i:<address>`, `k:<owner>`), as Redis should hold them. */
  readonly #held = new Map<string, number>();
  /** Bumped by each rewrite: an admission sent before one and answered after is re-added. */
  #rewrites = 0;
  /** A write failed (or may have): the next renewal writes the whole share again. */
  dirty = false;

  constructor(context: GatewayContext, caps: ConnectionLimitOptions) {
    this.#context = context;
    this.#caps = caps;
  }

  async acquire(ip: string, owner: string | undefined): Promise<Release> {
    const { redis, prefix, id, leaseMs } = this.#context;
    const fields = owner === undefined ? [`i:${ip}`] : [`i:${ip}`, `k:${owner}`];
    const rewritesBefore = this.#rewrites;
    let reply: [string, number?];
    try {
      reply = await redis.bpConnAcquire(
        prefix,
        id,
        leaseMs,
        `i:${ip}`,
        String(this.#caps.perIp),
        owner === undefined ? '' : `k:${owner}`,
        String(this.#caps.perKey),
      );
    } catch {
      // Redis did not answer (the script may still have run): this gateway's count decides.
      this.dirty = true;
      this.#checkLocally(fields);
      return this.#take(fields);
    }
    const [verdict, held = 0] = reply;
    if (verdict === 'ip' || verdict === 'key') throw tooManyConnections(verdict, held);
    // A rewrite sent meanwhile replaced the share without this slot: add it again after it.
    if (this.#rewrites !== rewritesBefore) this.#add(1, fields);
    return this.#take(fields);
  }

  /** This gateway's share whole, replacing what Redis holds of it. */
  async rewrite(): Promise<void> {
    const { redis, prefix, id, leaseMs } = this.#context;
    this.#rewrites += 1;
    this.dirty = false;
    const pairs = [...this.#held].flatMap(([field, n]) => [field, String(n)]);
    try {
      await redis.bpConnRewrite(prefix, id, leaseMs, ...pairs);
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  #checkLocally(fields: string[]): void {
    const [ipField, keyField] = fields;
    const ipHeld = this.#held.get(ipField ?? '') ?? 0;
    if (ipHeld >= this.#caps.perIp) throw tooManyConnections('ip', ipHeld);
    const keyHeld = keyField === undefined ? 0 : (this.#held.get(keyField) ?? 0);
    if (keyField !== undefined && keyHeld >= this.#caps.perKey) {
      throw tooManyConnections('key', keyHeld);
    }
  }

  /** Counts the slot here; its release gives it back here and in Redis. */
  #take(fields: string[]): Release {
    for (const field of fields) this.#held.set(field, (this.#held.get(field) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const field of fields) {
        const left = (this.#held.get(field) ?? 1) - 1;
        if (left <= 0) this.#held.delete(field);
        else this.#held.set(field, left);
      }
      this.#add(-1, fields);
    };
  }

  #add(delta: number, fields: string[]): void {
    const { redis, prefix, id, leaseMs } = this.#context;
    redis.bpConnAdd(prefix, id, leaseMs, String(delta), ...fields).catch(() => {
      this.dirty = true;
    });
  }
}

/**
 * Caps on what one client holds open at once — held long polls, event streams and WebSockets
 * together — per client address and per API key. Each held connection takes a slot and gives
 * it back when it ends; past a cap the new one is refused with `too_many_connections` (429 on
 * HTTP and on the WebSocket upgrade).
 *
 * Two kinds, chosen by the composition: the in-process count below (one process, the SQLite
 * mode), and one shared by every gateway through Redis (src/store/redis/redis-connection-counts.ts).
 */
import { AppError } from '../model/errors/app-error.js';

export interface ConnectionLimitOptions {
  perIp: number;
  perKey: number;
}

export type Release = () => void;

export interface ConnectionLimits {
  /** Takes a slot for `ip` (and `owner`, with API keys on), or rejects with too_many_connections. */
  acquire(ip: string, owner: string | undefined): Promise<Release>;
}

/** The refusal for a cap `held` connections have reached. */
export function tooManyConnections(over: 'ip' | 'key', held: number): AppError {
  return over === 'ip'
    ? new AppError(
        'too_many_connections',
        `this address already holds ${held} connections (--max-connections-per-ip)`,
      )
    : new AppError(
        'too_many_connections',
        `this API key already holds ${held} connections (--max-connections-per-key)`,
      );
}

/** This process's count: exact, but each gateway keeps its own. */
export class LocalConnectionLimits implements ConnectionLimits {
  readonly #options: ConnectionLimitOptions;
  readonly #byIp = new Map<string, number>();
  readonly #byKey = new Map<string, number>();

  constructor(options: ConnectionLimitOptions) {
    this.#options = options;
  }

  acquire(ip: string, owner: string | undefined): Promise<Release> {
    // A refusal thrown by #take() rejects the promise.
    return new Promise((resolve) => {
      resolve(this.#take(ip, owner));
    });
  }

  /** acquire(), at once: takes the slot or throws too_many_connections. */
  #take(ip: string, owner: string | undefined): Release {
    const ipCount = this.#byIp.get(ip) ?? 0;
    if (ipCount >= this.#options.perIp) throw tooManyConnections('ip', ipCount);
    const keyCount = owner === undefined ? 0 : (this.#byKey.get(owner) ?? 0);
    if (owner !== undefined && keyCount >= this.#options.perKey) {
      throw tooManyConnections('key', keyCount);
    }
    this.#byIp.set(ip, ipCount + 1);
    if (owner !== undefined) this.#byKey.set(owner, keyCount + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.#byIp, ip);
      if (owner !== undefined) decrement(this.#byKey, owner);
    };
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const left = (map.get(key) ?? 1) - 1;
  if (left <= 0) map.delete(key);
  else map.set(key, left);
}

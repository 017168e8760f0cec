/**
 * Caps on what one client holds open at once — held long polls, event streams and WebSockets
 * together — per client address and per API key. Each held connection takes a slot and gives
 * it back when it ends; past a cap the new one is refused with `too_many_connections` (429 on
 * HTTP and on the WebSocket upgrade).
 */
import { AppError } from '../model/errors/app-error.js';

export interface ConnectionLimitOptions {
  perIp: number;
  perKey: number;
}

export type Release = () => void;

export class ConnectionLimits {
  readonly #options: ConnectionLimitOptions;
  readonly #byIp = new Map<string, number>();
  readonly #byKey = new Map<string, number>();

  constructor(options: ConnectionLimitOptions) {
    this.#options = options;
  }

  /** Takes a slot for `ip` (and `owner`, with API keys on), or throws too_many_connections. */
  acquire(ip: string, owner: string | undefined): Release {
    const ipCount = this.#byIp.get(ip) ?? 0;
    if (ipCount >= this.#options.perIp) {
      throw new AppError(
        'too_many_connections',
        `this address already holds ${ipCount} connections (--max-connections-per-ip)`,
      );
    }
    const keyCount = owner === undefined ? 0 : (this.#byKey.get(owner) ?? 0);
    if (owner !== undefined && keyCount >= this.#options.perKey) {
      throw new AppError(
        'too_many_connections',
        `this API key already holds ${keyCount} connections (--max-connections-per-key)`,
      );
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

  /** Connections held now by `ip`, for tests and metrics. */
  heldBy(ip: string): number {
    return this.#byIp.get(ip) ?? 0;
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const left = (map.get(key) ?? 1) - 1;
  if (left <= 0) map.delete(key);
  else map.set(key, left);
}

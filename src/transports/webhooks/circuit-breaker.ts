/**
 * Pauses an endpoint that keeps failing, so its deliveries stop taking attempts and slots while
 * other endpoints go on. After `threshold` failures in a row the endpoint is open (paused) for
 * a cool-down that doubles each time it fails again (up to `maxCooldownMs`); when the pause
 * ends one attempt probes it (half-open) and the others wait; a success closes it.
 */
export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

interface EndpointState {
  failures: number;
  /** Paused until this time (ms); 0 when closed. */
  openUntil: number;
  cooldownMs: number;
  probing: boolean;
}

export class CircuitBreaker {
  readonly #options: BreakerOptions;
  readonly #endpoints = new Map<string, EndpointState>();

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  /** Undefined when an attempt may go now; else when to try again (ms). */
  blockedUntil(endpoint: string, now: number): number | undefined {
    const state = this.#endpoints.get(endpoint);
    if (!state || state.openUntil === 0) return undefined;
    if (now < state.openUntil) return state.openUntil;
    if (state.probing) return now + Math.min(1000, this.#options.cooldownMs);
    state.probing = true; // half-open: this attempt is the probe
    return undefined;
  }

  record(endpoint: string, ok: boolean, now: number): void {
    if (ok) {
      this.#endpoints.delete(endpoint);
      return;
    }
    const state = this.#endpoints.get(endpoint) ?? {
      failures: 0,
      openUntil: 0,
      cooldownMs: this.#options.cooldownMs,
      probing: false,
    };
    state.failures++;
    if (state.probing) {
      state.cooldownMs = Math.min(state.cooldownMs * 2, this.#options.maxCooldownMs);
      state.probing = false;
      state.openUntil = now + state.cooldownMs;
    } else if (state.failures >= this.#options.threshold && state.openUntil === 0) {
      state.openUntil = now + state.cooldownMs;
    }
    this.#endpoints.set(endpoint, state);
  }

  /** Endpoints paused now (metrics). */
  pausedCount(now: number): number {
    let count = 0;
    for (const state of this.#endpoints.values()) if (state.openUntil > now) count++;
    return count;
  }
}

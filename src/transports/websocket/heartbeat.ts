/**
 * One timer for the whole server, not one per connection: every `intervalMs` it walks the
 * peers once. A peer that has not answered the previous ping is terminated; the others are
 * marked unanswered and pinged again. A dead peer is therefore gone between one and two
 * intervals after its last pong, and ping traffic grows linearly with the peers (the original
 * demo started a timer per connection that pinged everyone: quadratic).
 */
export interface HeartbeatPeer {
  /** Set by the owner when a pong arrives. */
  alive: boolean;
  /** Sends a protocol ping (and whatever application heartbeat the owner wants). */
  ping(): void;
  /** The peer missed its pong: end it without waiting for a closing handshake. */
  timeOut(): void;
}

export class Heartbeat {
  readonly #peers = new Set<HeartbeatPeer>();
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.#timer = setInterval(() => {
      this.#tick();
    }, intervalMs);
    // The heartbeat alone must not keep the process alive.
    this.#timer.unref();
  }

  get size(): number {
    return this.#peers.size;
  }

  add(peer: HeartbeatPeer): void {
    this.#peers.add(peer);
  }

  delete(peer: HeartbeatPeer): void {
    this.#peers.delete(peer);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#peers.clear();
  }

  #tick(): void {
    for (const peer of [...this.#peers]) {
      if (peer.alive) {
        peer.alive = false;
        // A peer whose ping cannot even be sent is as good as one that does not answer.
        if (this.#tryPing(peer)) continue;
      }
      this.#peers.delete(peer);
      peer.timeOut();
    }
  }

  #tryPing(peer: HeartbeatPeer): boolean {
    try {
      peer.ping();
      return true;
    } catch {
      return false;
    }
  }
}

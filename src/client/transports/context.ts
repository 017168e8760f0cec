/**
 * What every transport gets from the watch that runs it, and what it gives back. A transport
 * is an async generator of snapshots that never ends by itself: it reconnects (with backoff)
 * from the watch's cursor until the watch stops pulling or its signal aborts.
 */
import type { Job } from '../../model/job.js';
import type { BackoffOptions } from '../backoff.js';
import type { Http } from '../http.js';
import type { Runtime } from '../runtime.js';
import type { TransportName } from '../types.js';
import type { TransportWire } from '../wire-log.js';

export interface Update {
  job: Job;
  /** The server's time of the change (the event's `at`, a snapshot's `updatedAt`). */
  at: string;
  /** The server restarted this job's stream from a snapshot: take it even if not newer. */
  reset?: boolean;
}

/** Counters a transport feeds (see WatchStats). */
export interface Meter {
  request(): void;
  connected(): void;
  reconnecting(): void;
  bytes(count: number): void;
}

export interface TransportContext {
  http: Http;
  runtime: Runtime;
  jobId: string;
  /** The newest snapshot the watch has delivered; streams apply events to it. */
  current(): Job;
  meter: Meter;
  /** Records what goes over the wire (WatchOptions.onWire). */
  wire: TransportWire;
  signal: AbortSignal;
  backoff: BackoffOptions;
  /** With `auto`: give up (TransportUnavailable) if the first connection fails. */
  mayFallBack: boolean;
  pollIntervalMs: number | undefined;
  longPollWaitSeconds: number;
  /** How long a socket or stream may take to open. */
  connectTimeoutMs: number;
}

export type Transport = (context: TransportContext) => AsyncGenerator<Update, never>;

/** Thrown when `mayFallBack` and the first connection failed: `auto` tries the next transport. */
export class TransportUnavailable extends Error {
  readonly transport: TransportName;

  constructor(transport: TransportName, reason: string) {
    super(`${transport} unavailable: ${reason}`);
    this.name = 'TransportUnavailable';
    this.transport = transport;
  }
}

/** A failure in a few words, for the wire log. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Bytes of a string as UTF-8 (what went over the wire for text frames and events). */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

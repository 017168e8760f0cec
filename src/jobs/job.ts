/**
 * The job model shared by every layer: engine, stores, transports and the SDK. The types and
 * pure helpers live in job-model.ts (which the browser bundle imports); this module adds id
 * creation, which needs node:crypto.
 */
import { randomUUID } from 'node:crypto';

export * from './job-model.js';

/**
 * Job ids are random UUIDs (version 4): 122 random bits, so an id cannot be guessed
 * and can be handed out before anything is stored.
 */
export function newJobId(): string {
  return randomUUID();
}

/**
 * The job model shared by every layer — engine, stores, transports — and by the client SDK, which
 * runs in browsers too: types and pure helpers only (importing only model/ types), so the
 * browser bundle gets exactly this and nothing of the server. (Creating ids needs node:crypto: see store/job-id.ts.)
 */
import type { BackoffPolicy } from './backoff.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** What happened to a job; every event in the per-job log has one of these kinds. */
export const EVENT_KINDS = [
  'queued',
  'started',
  'progress',
  'succeeded',
  'failed',
  'canceled',
  'requeued',
  'retrying',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Why a job failed, safe to show to any client (never a stack trace). */
export interface JobError {
  code: string;
  message: string;
}

export interface Job {
  id: string;
  type: string;
  status: JobStatus;
  /** 0–100. */
  progress: number;
  /** The seq of the latest event in this job's log; it only grows. */
  seq: number;
  /** How many times a runner has started this job (0 while it waits for the first run). */
  attempt: number;
  /** How many runs it may have in all: a retryable failure before the last one is retried. */
  maxAttempts: number;
  /** The wait before each retry; present when the job may be retried (`maxAttempts` > 1). */
  backoff?: BackoffPolicy;
  /** Higher runs first (PRIORITY_MIN–PRIORITY_MAX, default 0); equal ones in arrival order. */
  priority: number;
  /**
   * While queued: the time it becomes due (a delayed submit, or the next retry). Absent when
   * it may run at once, and once it started.
   */
  runAt?: string;
  /**
   * How long (ms) it is kept once finished, when it has a retention of its own (`keepFor` on
   * submit or its job type's); absent: the server's `--retention`.
   */
  keepFor?: number;
  input: unknown;
  result?: unknown;
  error?: JobError;
  /** With API keys on: the name of the key that submitted it. Never sent in HTTP bodies. */
  owner?: string;
  createdAt: string;
  updatedAt: string;
}

export interface JobEvent {
  jobId: string;
  /** 1, 2, 3, … per job. */
  seq: number;
  kind: EventKind;
  /** The job's status after this event. */
  status: JobStatus;
  progress: number;
  data?: unknown;
  at: string;
}

const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isJobId(value: string): boolean {
  return JOB_ID_PATTERN.test(value);
}

/** The same pattern as a JSON Schema string, for route schemas and the OpenAPI document. */
export const JOB_ID_SCHEMA_PATTERN = JOB_ID_PATTERN.source;

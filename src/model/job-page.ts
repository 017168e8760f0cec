/**
 * A page of the job list, as the stores answer it and `GET /jobs` sends it: shared by the server
 * and the SDK.
 */
import type { Job, JobStatus } from './job.js';

export interface ListQuery {
  status?: JobStatus;
  type?: string;
  /** Only jobs of this owner (API keys on). */
  owner?: string;
  /** 1–100. */
  limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface JobPage {
  jobs: Job[];
  nextCursor: string | null;
}

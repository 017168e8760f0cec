/** What `GET /job-types` says of each job type: enough for a client to build a submit form. */
import type { TSchema } from 'typebox';
import type { BackoffPolicy } from './backoff.js';

export interface JobTypeDescription {
  name: string;
  description: string;
  execution: 'io' | 'cpu' | 'external';
  timeoutMs: number;
  /** The defaults a submit may override: runs in all, the wait between them, priority. */
  attempts: number;
  backoff: BackoffPolicy;
  priority: number;
  /** How long (ms) its jobs are kept once finished; absent: the server's --retention. */
  keepFor?: number;
  /** At most this many of its jobs run at once across the deployment; absent: no limit. */
  concurrency?: number;
  inputSchema: TSchema;
}

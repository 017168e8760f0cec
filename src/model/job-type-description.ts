/** What `GET /job-types` says of each job type: enough for a client to build a submit form. */
import type { TSchema } from 'typebox';

export interface JobTypeDescription {
  name: string;
  description: string;
  execution: 'io' | 'cpu' | 'external';
  timeoutMs: number;
  inputSchema: TSchema;
}

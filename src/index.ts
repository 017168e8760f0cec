/**
 * The package's public API for embedding the server or adding job types. The HTTP API itself is
 * described by /openapi.json.
 */
export { createServer, type Server, type ServerExtras } from './server.js';
export { resolveOptions, DEFAULT_OPTIONS, type ServerOptions } from './config/options.js';
export {
  defineJobType,
  type JobContext,
  type JobType,
  type IoJobType,
  type CpuJobType,
} from './jobs/job-type.js';
export { JobFailure } from './model/errors/job-failure.js';
export { workerTask, siblingModule, type WorkerTaskContext } from './execution/worker-task.js';
export type { Job, JobEvent, JobStatus, EventKind, JobError } from './model/job.js';
export {
  ERROR_CATALOGUE,
  JOB_FAILURE_CATALOGUE,
  type ErrorCode,
} from './model/errors/catalogue.js';

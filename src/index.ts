/**
 * The package's public API for embedding the server or adding job types. The HTTP API itself is
 * described by /openapi.json; docs/job-types.md is the tutorial.
 */
export { createServer, type Server, type ServerExtras } from './server.js';
export { resolveOptions, DEFAULT_OPTIONS, type ServerOptions } from './config/options.js';
export {
  defineJobType,
  invalidInput,
  type JobContext,
  type JobType,
  type IoJobType,
  type CpuJobType,
  type AnyJobType,
} from './jobs/job-type.js';
export { JobFailure, type FailureCode } from './model/errors/job-failure.js';
export {
  workerTask,
  siblingModule,
  type WorkerTaskContext,
  type WorkerTaskRef,
} from './execution/worker-task.js';
/**
 * TypeBox, which input schemas are written in: the copy the registry compiles them with, so a
 * job type's schema and its validation can never come from two different versions.
 */
export { Type, type Static, type TSchema } from 'typebox';
export type { Job, JobEvent, JobStatus, EventKind, JobError } from './model/job.js';
export {
  ERROR_CATALOGUE,
  JOB_FAILURE_CATALOGUE,
  type ErrorCode,
} from './model/errors/catalogue.js';

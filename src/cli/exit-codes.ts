/**
 * What the client commands' exit status means (README, "Command line"), so scripts can tell a
 * failed job from a refused request from a server that is not there.
 */
import { isClientError } from '../client/index.js';

export const EXIT = {
  ok: 0,
  /** `submit --watch`: the job ended `failed` or `canceled`. */
  jobFailed: 1,
  /** Bad usage: unknown option, --input that is not JSON, unknown --via. */
  usage: 2,
  /** The server answered with an error (invalid_input, job_not_found, ...). */
  refused: 3,
  /** The server could not be reached, or did not answer as this API. */
  unreachable: 4,
  /** `submit --watch` stopped by Ctrl-C (the job itself goes on). */
  interrupted: 130,
} as const;

/** Prints why a client command failed and returns its exit code. */
export function reportFailure(error: unknown, json: boolean): number {
  if (!isClientError(error)) throw error;
  const unreachable = error.code === 'network_error' || error.code === 'unexpected_response';
  if (json) {
    const problem = error.problem ?? { code: error.code, detail: error.message };
    process.stdout.write(`${JSON.stringify({ error: problem })}\n`);
  } else {
    process.stderr.write(`backend-patterns: ${error.code}: ${error.message}\n`);
  }
  return unreachable ? EXIT.unreachable : EXIT.refused;
}

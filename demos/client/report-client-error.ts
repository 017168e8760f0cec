/**
 * How the SDK examples end on an error: the server's code (docs/errors.md) in one line, or
 * `network_error` with the server's address when it is not there — never a stack trace. The
 * exit codes are the backend-patterns command's: 3 refused, 4 unreachable.
 */
import { isClientError } from '../../src/client/index.js';
import { EXIT } from '../demo-client.js';

export function reportClientError(error: unknown): never {
  if (!isClientError(error)) throw error;
  const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
  console.error(`${error.code}${status}: ${error.message}`);
  const unreachable = error.code === 'network_error' || error.code === 'unexpected_response';
  if (unreachable) console.error('is the server running? npm start');
  process.exit(unreachable ? EXIT.unreachable : EXIT.refused);
}

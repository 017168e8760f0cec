/**
 * The system under test, as a process: the real server with its options from the environment
 * (PORT, HOST, DATA_DIR, REDIS_URL, ...), plus a `noop` job type that finishes at once, for
 * measuring the job machinery itself.
 */
import Type from 'typebox';
import { optionsFromText } from '../../src/config/options.js';
import { defineJobType } from '../../src/jobs/job-type.js';
import { createServer } from '../../src/server.js';

const noop = defineJobType({
  name: 'noop',
  description: 'benchmarks: finishes at once',
  execution: 'io',
  input: Type.Object({}),
  timeoutMs: 60_000,
  async handler() {
    return null;
  },
});

const server = await createServer(optionsFromText({}, process.env), { jobTypes: [noop] });
const url = await server.listen();
console.log(JSON.stringify({ ready: url }));
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

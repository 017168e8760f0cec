import { workerTask } from '../../src/execution/worker-task.js';

/** Exits its worker thread in the middle of a task, as a native crash or OOM would. */
export default workerTask(() => {
  process.exit(3);
});

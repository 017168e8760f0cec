/**
 * Node flags for a child process or a worker thread that loads `moduleUrl`.
 *
 * Both inherit the parent's flags, which already load tsx when the parent runs through the
 * tsx CLI. Under a runner that transforms TypeScript in-process (vitest, or the bin script's
 * tsx `register()`), they do not, so a `.ts` module needs `--import tsx` added; a built `.js`
 * module needs nothing.
 */
function needsTsx(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.ts') && !process.execArgv.some((arg) => arg.includes('tsx'));
}

/** For fork(): a process takes every flag its parent was given. */
export function childExecArgv(moduleUrl: string): string[] {
  return needsTsx(moduleUrl) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
}

/**
 * For a worker thread: undefined (inherit) unless tsx must be added. Node refuses V8 and
 * per-process flags such as `--expose-gc` or `--max-old-space-size` in a thread's explicit
 * execArgv (ERR_WORKER_INVALID_EXEC_ARGV, so every CPU job would fail) but ignores them when a
 * thread inherits, and it offers no way to tell them apart; so an explicit list carries the
 * loader only.
 */
export function threadExecArgv(moduleUrl: string): string[] | undefined {
  return needsTsx(moduleUrl) ? ['--import', 'tsx'] : undefined;
}

/**
 * Node flags for a worker thread or child process that loads `moduleUrl`.
 *
 * Threads and forked processes inherit the parent's execArgv, which already loads tsx when the
 * parent runs through the tsx CLI. Under a runner that transforms TypeScript in-process
 * (vitest, or the bin script's tsx `register()`), it does not, so a `.ts` module needs
 * `--import tsx` added; a built `.js` module needs nothing.
 */
export function execArgvFor(moduleUrl: string): string[] {
  const fromSource = moduleUrl.endsWith('.ts');
  const hasTsx = process.execArgv.some((arg) => arg.includes('tsx'));
  return fromSource && !hasTsx ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
}

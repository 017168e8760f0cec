import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SuiteResult } from './report.js';

export interface SuiteContext {
  /** Smaller sizes and shorter runs (each suite well under a minute). */
  quick: boolean;
  /** A fresh directory, removed at the end of the run. */
  readonly tempDir: () => string;
  /** Progress lines for the terminal. */
  readonly log: (line: string) => void;
}

export interface Suite {
  name: string;
  title: string;
  run(ctx: SuiteContext): Promise<SuiteResult>;
}

export const OUR_SERVER = new URL('../servers/our-server.ts', import.meta.url).pathname;
export const BARE_HTTP = new URL('../servers/bare-http.ts', import.meta.url).pathname;
export const BARE_PUSH = new URL('../servers/bare-push.ts', import.meta.url).pathname;
export const BARE_SSE = new URL('../servers/bare-sse.ts', import.meta.url).pathname;
export const BARE_WS = new URL('../servers/bare-ws.ts', import.meta.url).pathname;
export const SOCKET_IO = new URL('../servers/socketio.ts', import.meta.url).pathname;

export function tempDirs(): { make(): string; removeAll(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'bp-bench-'));
      dirs.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import type { ServerOptions } from '../../src/config/options.js';
import type { AnyJobType } from '../../src/jobs/job-type.js';
import { createServer, type Server } from '../../src/server.js';
import { watchServer } from './contract/recorder.js';
import { tempDir } from './temp-dir.js';

export interface TestServer {
  server: Server;
  /** Base URL on 127.0.0.1 with the port the OS picked. */
  url: string;
  dataDir: string;
}

/**
 * A real server on 127.0.0.1:0 with a fresh data directory and SQLite file, closed when the
 * current test finishes. Logs are silent unless LOG_LEVEL is set.
 */
export async function startTestServer(
  options: Partial<ServerOptions> = {},
  jobTypes: readonly AnyJobType[] = [],
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const server = await createServer(
    { port: 0, host: '127.0.0.1', shutdownTimeout: 0, cpuWorkers: 2, ...options, dataDir },
    { logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }), jobTypes },
  );
  onTestFinished(() => server.close());
  const url = await server.listen();
  watchServer(url);
  return { server, url, dataDir };
}

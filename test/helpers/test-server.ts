import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import type { ServerOptions } from '../../src/config/options.js';
import type { AnyJobType } from '../../src/jobs/job-type.js';
import { createServer, type Server } from '../../src/server.js';
import { watchServer } from './contract/recorder.js';
import { forgetInProcessOrigin, registerInProcessOrigin } from './in-process-fetch.js';
import { tempDir } from './temp-dir.js';

export interface TestServer {
  server: Server;
  /** Base URL: 127.0.0.1 with the port the OS picked, or an in-process origin. */
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
  const { server, dataDir } = await createTestServer(options, jobTypes);
  const url = await server.listen();
  watchServer(url);
  return { server, url, dataDir };
}

/**
 * The same server without a port, for HTTP behaviour that is not about the network: `fetch`
 * to its `url` goes through `app.inject()` (in-process-fetch.ts), so the SDK and the helpers
 * work unchanged and every answer is still checked against the OpenAPI document.
 */
export async function startInjectedServer(
  options: Partial<ServerOptions> = {},
  jobTypes: readonly AnyJobType[] = [],
): Promise<TestServer> {
  const { server, dataDir } = await createTestServer(options, jobTypes);
  const url = registerInProcessOrigin(server.app);
  onTestFinished(() => {
    forgetInProcessOrigin(url);
  });
  watchServer(url);
  return { server, url, dataDir };
}

async function createTestServer(options: Partial<ServerOptions>, jobTypes: readonly AnyJobType[]) {
  const dataDir = options.dataDir ?? tempDir();
  const server = await createServer(
    { port: 0, host: '127.0.0.1', shutdownTimeout: 0, cpuWorkers: 2, ...options, dataDir },
    { logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }), jobTypes },
  );
  onTestFinished(() => server.close());
  return { server, dataDir };
}

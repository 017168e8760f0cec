/** Starting the system under test, and the few API calls the suites need. */
import { startNodeScript, type BenchProcess } from './processes.js';
import { OUR_SERVER } from './suite.js';

export async function startOurServer(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<BenchProcess> {
  return startNodeScript(OUR_SERVER, {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SHUTDOWN_TIMEOUT: '1s',
    ...env,
  });
}

interface JobSnapshot {
  id: string;
  status: string;
}

export async function submit(url: string, type: string, input: unknown = {}): Promise<string> {
  const response = await fetch(`${url}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type, input }),
  });
  if (response.status !== 202)
    throw new Error(`submit: ${response.status} ${await response.text()}`);
  return ((await response.json()) as JobSnapshot).id;
}

/** Waits for a job to finish by long-lived short polling (bench set-up only). */
export async function waitFinished(url: string, id: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const job = (await (await fetch(`${url}/jobs/${id}`)).json()) as JobSnapshot;
    if (['succeeded', 'failed', 'canceled'].includes(job.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not finish in ${timeoutMs} ms`);
}

/** Jobs by status, from /metrics. */
export async function jobCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^jobs\{status="(\w+)"\} (\d+)/gm)) {
    counts[match[1] ?? ''] = Number(match[2]);
  }
  return counts;
}

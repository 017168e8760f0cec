/**
 * What the chapters' clients share: the options every one of them takes, a clock for their
 * log lines, and submitting the overview's demo job.
 */
import { parseArgs } from 'node:util';

export interface ClientArgs {
  /** The server, e.g. http://localhost:8000. */
  base: string;
  stepMs: number;
  /** The client's own options, as given. */
  extra: Record<string, string>;
}

/** Parses `--url`, `--step-ms` and the client's own string options with their defaults. */
export function clientArgs(own: Record<string, string>): ClientArgs {
  const options: Record<string, { type: 'string'; default: string }> = {
    url: { type: 'string', default: 'http://localhost:8000' },
    'step-ms': { type: 'string', default: '3000' },
  };
  for (const [name, fallback] of Object.entries(own)) {
    options[name] = { type: 'string', default: fallback };
  }
  const values = parseArgs({ options }).values as Record<string, string>;
  const extra = Object.fromEntries(Object.keys(own).map((name) => [name, values[name] ?? '']));
  return { base: values.url ?? '', stepMs: Number(values['step-ms']), extra };
}

const started = Date.now();

/** Seconds since the client started, to one decimal. */
export function elapsed(): string {
  return ((Date.now() - started) / 1000).toFixed(1);
}

/** The same, for the start of each log line. */
export function stamp(): string {
  return `+${elapsed().padStart(5)}s`;
}

/** Submits a demo job (10% every `stepMs`) and returns its id; exits when the server refuses. */
export async function submitDemoJob(base: string, stepMs: number): Promise<string> {
  const submitted = await fetch(`${base}/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stepMs }),
  });
  if (submitted.status !== 202) {
    console.error(`submit failed: ${submitted.status} ${await submitted.text()}`);
    process.exit(1);
  }
  return ((await submitted.json()) as { jobId: string }).jobId;
}

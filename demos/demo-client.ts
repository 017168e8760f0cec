/**
 * What the chapters' clients share: the options every one of them takes, a clock for their
 * log lines, submitting the overview's demo job, and one clear line (exit 4) instead of a
 * stack trace when the server is not there.
 */
import type { OptionSpec } from './command-line.js';

/** `--url` and `--step-ms`, taken by every HTTP client of the chapters. */
export const CLIENT_OPTIONS = {
  url: {
    kind: 'url',
    default: 'http://localhost:8000',
    protocols: ['http:', 'https:'],
    help: 'the server',
  },
  'step-ms': {
    kind: 'integer',
    default: 3000,
    min: 10,
    max: 60_000,
    help: 'the demo job advances 10% every this many ms',
  },
} as const satisfies Record<string, OptionSpec>;

/** The same exit codes as the backend-patterns command (README, "Command line"). */
export const EXIT = { ok: 0, refused: 3, unreachable: 4 } as const;

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
    console.error(`submit refused: ${submitted.status} ${await submitted.text()}`);
    process.exit(EXIT.refused);
  }
  return ((await submitted.json()) as { id: string }).id;
}

/**
 * Runs a client; if the server cannot be reached (not started, stopped half-way, a wrong
 * `--url`), says so in one line that names the server and how to start one, and exits 4.
 */
export async function runClient(
  server: string,
  startHint: string,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    const why = networkFailure(error);
    if (why === undefined) throw error;
    console.error(`cannot reach the server at ${server} (${why}); start it with: ${startHint}`);
    process.exit(EXIT.unreachable);
  }
}

/** The network's reason (ECONNREFUSED, ENOTFOUND, …) when `error` is a failed connection. */
export function networkFailure(error: unknown): string | undefined {
  // fetch rejects with TypeError('fetch failed') and the socket's error as its cause; a
  // WebSocket's 'error' event carries the socket's error itself.
  const cause = error instanceof TypeError && error.cause !== undefined ? error.cause : error;
  if (!(cause instanceof Error)) return undefined;
  const code = (cause as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) return code;
  return error instanceof TypeError && error.message === 'fetch failed' ? cause.message : undefined;
}

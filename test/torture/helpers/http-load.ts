/** Small HTTP clients the cases share: submit storms and "wait until no job is unfinished". */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../../../src/model/job.js';
import { json, postJson } from '../../helpers/http.js';

export interface StormOptions {
  url: string;
  submitters: number;
  /** Submits per submitter at most (bounded loops). */
  maxEach: number;
  body: () => { type: string; input: unknown };
  /** Extra headers per request (an Idempotency-Key, say). */
  headers?: () => Record<string, string>;
}

export interface Storm {
  /** Ids answered 202, in the order the answers arrived. */
  acknowledged: string[];
  /** Requests that failed without an answer (the server went away). */
  unanswered: number;
  /** Answers other than 202, by status and problem code ("503 shutting_down"). */
  refused: Map<string, number>;
  /** Stops sending; resolves when every submitter has returned. */
  stop(): Promise<void>;
  /** Resolves when every submitter is done. */
  done: Promise<void>;
}

/** Submits jobs from `submitters` concurrent loops until stopped, the bound, or the server goes. */
export function submitStorm(options: StormOptions): Storm {
  let stopped = false;
  const acknowledged: string[] = [];
  const refused = new Map<string, number>();
  let unanswered = 0;
  const submitter = async () => {
    for (let i = 0; i < options.maxEach && !stopped; i++) {
      try {
        const headers = options.headers?.() ?? {};
        const response = await postJson(`${options.url}/jobs`, options.body(), headers);
        if (response.status === 202) acknowledged.push((await json<Job>(response)).id);
        else {
          const problem = await response.json().catch(() => ({}));
          const code = (problem as { code?: unknown }).code;
          const key = `${response.status} ${typeof code === 'string' ? code : '(no problem code)'}`;
          refused.set(key, (refused.get(key) ?? 0) + 1);
        }
      } catch {
        unanswered++;
        return; // the server is gone: nothing more will be answered
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.submitters }, submitter)).then(
    () => undefined,
  );
  return {
    acknowledged,
    refused,
    get unanswered() {
      return unanswered;
    },
    done,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Polls until no job is queued or running; rejects after `timeoutMs`. */
export async function waitUntilAllFinished(url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const unfinished = await unfinishedJobs(url);
    if (unfinished.length === 0) return;
    if (performance.now() > deadline) {
      throw new Error(`jobs still unfinished: ${JSON.stringify(unfinished.slice(0, 5))}`);
    }
    await sleep(200);
  }
}

async function unfinishedJobs(url: string): Promise<Job[]> {
  const pages = await Promise.all(
    ['queued', 'running'].map(async (status) => {
      const response = await fetch(`${url}/jobs?status=${status}&limit=100`);
      return (await json<{ jobs: Job[] }>(response)).jobs;
    }),
  );
  return pages.flat();
}

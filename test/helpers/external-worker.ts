/**
 * An external job type and a worker for it in a few fetches (the worker protocol,
 * docs/workers.md): for tests that show an external job on a client surface.
 */
import Type from 'typebox';
import { expect } from 'vitest';
import { defineJobType } from '../../src/jobs/job-type.js';
import type { Job } from '../../src/model/job.js';

export const RENDER = defineJobType({
  name: 'render',
  description: 'Renders a report (run by an external worker)',
  execution: 'external',
  timeoutMs: 60_000,
  input: Type.Object({ pages: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
});

export const WORKER_KEY = 'worker-secret-0123456789';

/** A worker in a few fetches: claims each render job, reports two steps, completes. */
export async function workOnce(url: string): Promise<string> {
  const headers = { authorization: `Bearer ${WORKER_KEY}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    expect(response.status, path).toBe(200);
    return (await response.json()) as { job: Job; lease: { token: string } };
  };
  const { job, lease } = await post('/workers/claim', { types: ['render'], wait: 10 });
  const at = (path: string) => `/workers/jobs/${job.id}/${path}`;
  await post(at('progress'), { token: lease.token, progress: 50, data: { page: 1 } });
  await post(at('progress'), { token: lease.token, progress: 90, data: { page: 2 } });
  await post(at('complete'), { token: lease.token, result: { pdf: 'report.pdf' } });
  return job.id;
}

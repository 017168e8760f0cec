/** The SDK's plain requests and its errors: the server's codes and problem documents, typed. */
import { describe, expect, it } from 'vitest';
import { ClientError, createClient, type Job } from '../src/client/index.js';
import { freePort } from './helpers/redis-server.js';
import { startTestServer } from './helpers/test-server.js';

const MISSING = '3f1c2a9e-8b7d-4c1e-9f2a-5b6c7d8e9f01';

async function failure(promise: Promise<unknown>): Promise<ClientError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

describe('client requests', () => {
  it('submits (idempotently), gets, lists, cancels and describes job types', async () => {
    const { url } = await startTestServer();
    const client = createClient({ baseUrl: url });
    const first = await client.submit('demo', { stepMs: 60_000 }, { idempotencyKey: 'k-1' });
    const again = await client.submit('demo', { stepMs: 60_000 }, { idempotencyKey: 'k-1' });
    expect(again.id).toBe(first.id);
    expect((await client.get(first.id)).type).toBe('demo');
    const other = await client.submit('demo', { stepMs: 60_000 });
    const page = await client.list({ type: 'demo', limit: 1 });
    expect(page.jobs.map((job) => job.id)).toEqual([other.id]);
    expect(page.nextCursor).not.toBeNull();
    const canceled = await client.cancel(first.id);
    expect(canceled.status).toBe('canceled');
    expect((await client.list({ status: 'canceled' })).jobs.map((job) => job.id)).toEqual([
      first.id,
    ]);
    const types = await client.jobTypes();
    expect(types.find((type) => type.name === 'demo')?.inputSchema.properties).toHaveProperty(
      'stepMs',
    );
  });

  it("rejects with the server's code, status and problem document", async () => {
    const { url } = await startTestServer();
    const client = createClient({ baseUrl: url });
    const missing = await failure(client.get(MISSING));
    expect(missing).toMatchObject({ code: 'job_not_found', status: 404 });
    expect(missing.problem?.type).toBe('/errors/job_not_found');

    const invalid = await failure(client.submit('demo', { stepMs: 1 }));
    expect(invalid).toMatchObject({ code: 'invalid_input', status: 400 });
    expect(invalid.problem?.errors).toEqual([expect.objectContaining({ field: 'input.stepMs' })]);
    expect((await failure(client.submit('nope'))).code).toBe('unknown_job_type');
    expect((await failure(client.cancel('not-an-id'))).code).toBe('invalid_job_id');

    // A watch checks the job first, whatever the transport.
    const watching = (async () => {
      const seen: Job[] = [];
      for await (const job of client.watch(MISSING, { transport: 'websocket' })) seen.push(job);
      return seen;
    })();
    expect((await failure(watching)).code).toBe('job_not_found');
  });

  it('says network_error when nothing answers', async () => {
    const client = createClient({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    const error = await failure(client.get(MISSING));
    expect(error.code).toBe('network_error');
    expect(error.status).toBeUndefined();
  });

  it('ends a watch with a failed job as its last snapshot, and stops on abort', async () => {
    const { url } = await startTestServer();
    const client = createClient({ baseUrl: url });
    const missingFile = await client.submit('hash-file', { path: 'nothing-here.txt' });
    let last: Job | undefined;
    for await (const job of client.watch(missingFile, { transport: 'sse' })) last = job;
    expect(last).toMatchObject({ status: 'failed', error: { code: 'file_not_found' } });

    const slow = await client.submit('demo', { stepMs: 60_000 });
    const controller = new AbortController();
    const seen: Job[] = [];
    const watching = (async () => {
      for await (const job of client.watch(slow, { signal: controller.signal })) {
        seen.push(job);
        if (job.status === 'running') controller.abort();
      }
    })();
    await expect(watching).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.at(-1)?.status).toBe('running');
  });
});

/**
 * `client.schedules` (src/client/schedules.ts) against a server reached through app.inject():
 * every call with the answers the OpenAPI document promises, the server's checks as
 * ClientErrors with its stable codes, and one key's schedules invisible to another.
 */
import { describe, expect, it } from 'vitest';
import { createClient, isClientError, type ScheduleDefinition } from '../src/client/index.js';
import { startInjectedServer } from './helpers/test-server.js';

const ALICE = 'alice-secret-0123456789';
const BOB = 'bob-secret-01234567890';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (isClientError(error) ? { status: error.status, code: error.code } : error),
  );

describe('client.schedules', () => {
  it('creates, lists, reads, pauses, resumes and deletes schedules', async () => {
    const { url } = await startInjectedServer();
    const client = createClient({ baseUrl: url });
    const nightly = await client.schedules.create({
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      type: 'demo',
      input: { stepMs: 10 },
      attempts: 3,
      backoff: { type: 'fixed', delayMs: 500 },
      priority: -5,
    });
    expect(nightly).toMatchObject({
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      type: 'demo',
      input: { stepMs: 10 },
      attempts: 3,
      backoff: { type: 'fixed', delayMs: 500 },
      priority: -5,
      paused: false,
    });
    // 3:00 in Berlin is 1:00 or 2:00 UTC, and ahead.
    const next = new Date(nightly.nextRunAt ?? '');
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect([1, 2]).toContain(next.getUTCHours());
    const minutely = await client.schedules.create({ cron: '* * * * *', type: 'demo' });
    expect(minutely.timezone).toBe('UTC');

    const first = await client.schedules.list({ limit: 1 });
    expect(first.schedules.map((s) => s.id)).toEqual([minutely.id]);
    expect(first.nextCursor).not.toBeNull();
    const rest = await client.schedules.list({ limit: 1, cursor: first.nextCursor ?? '' });
    expect(rest).toEqual({ schedules: [nightly], nextCursor: null });
    expect((await client.schedules.list()).schedules).toHaveLength(2);
    expect(await client.schedules.get(nightly.id)).toEqual(nightly);

    const paused = await client.schedules.pause(nightly.id);
    expect(paused.paused).toBe(true);
    expect(paused.nextRunAt).toBeUndefined();
    expect((await client.schedules.pause(nightly.id)).paused).toBe(true); // idempotent
    const resumed = await client.schedules.resume(nightly.id);
    expect(resumed).toMatchObject({ paused: false, nextRunAt: nightly.nextRunAt });

    await client.schedules.delete(nightly.id);
    const gone = { status: 404, code: 'schedule_not_found' };
    expect(await failure(client.schedules.get(nightly.id))).toEqual(gone);
    expect(await failure(client.schedules.delete(nightly.id))).toEqual(gone);
    expect((await client.schedules.list()).schedules.map((s) => s.id)).toEqual([minutely.id]);
  });

  it.each<[ScheduleDefinition, string]>([
    [{ cron: 'every day', type: 'demo' }, 'invalid_cron'],
    [{ cron: '* * * * *', timezone: 'Mars/Olympus', type: 'demo' }, 'invalid_timezone'],
    [{ cron: '* * * * *', type: 'nope' }, 'unknown_job_type'],
    [{ cron: '* * * * *', type: 'demo', input: { stepMs: 'slow' } }, 'invalid_input'],
    [{ cron: '* * * * *', type: 'demo', attempts: 0 }, 'invalid_request'],
  ])('rejects %j with a ClientError %s', async (definition, code) => {
    const { url } = await startInjectedServer();
    const client = createClient({ baseUrl: url });
    expect(await failure(client.schedules.create(definition))).toEqual({ status: 400, code });
    expect((await client.schedules.list()).schedules).toEqual([]);
  });

  it("sees only its key's schedules: another key's answers schedule_not_found", async () => {
    const { url } = await startInjectedServer({ apiKeys: `alice:${ALICE},bob:${BOB}` });
    const alice = createClient({ baseUrl: url, token: ALICE });
    const bob = createClient({ baseUrl: url, token: BOB });
    const own = await alice.schedules.create({ cron: '*/5 * * * *', type: 'demo' });
    expect(own.owner).toBe('alice');
    expect((await bob.schedules.list()).schedules).toEqual([]);
    for (const action of ['get', 'pause', 'resume'] as const) {
      const answer = await failure(bob.schedules[action](own.id));
      expect(answer).toEqual({ status: 404, code: 'schedule_not_found' });
    }
    expect(await failure(bob.schedules.delete(own.id))).toMatchObject({ status: 404 });
    expect(await failure(createClient({ baseUrl: url }).schedules.list())).toMatchObject({
      status: 401,
    });
    expect((await alice.schedules.get(own.id)).paused).toBe(false);
  });
});

import { EventSource } from 'eventsource';
import { describe, expect, it } from 'vitest';
import type { Job, JobEvent } from '../src/model/job.js';
import { json, postJson } from './helpers/http.js';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';
import { tempDir } from './helpers/temp-dir.js';

const KINDS = ['queued', 'started', 'progress', 'succeeded', 'failed', 'canceled', 'requeued'];

describe('server-sent events across a server crash', () => {
  it('resumes by Last-Event-ID after SIGKILL and a restart: every event once, in order, then 204', async () => {
    const dataDir = tempDir();
    const args = ['--data-dir', dataDir, '--sse-retry', '100ms'];
    let server: SpawnedServer = await spawnServer(args);
    const job = await json<Job>(
      await postJson(`${server.url}/jobs`, { type: 'demo', input: { stepMs: 150 } }),
    );

    // The restarted server listens on another port; the client keeps one URL, as a browser
    // would behind a stable address. Every request's Last-Event-ID is recorded.
    const lastEventIds: (string | null)[] = [];
    const source = new EventSource(`http://stable.invalid/jobs/${job.id}/events`, {
      fetch: (input, init) => {
        lastEventIds.push(init.headers['Last-Event-ID'] ?? null);
        const target = new URL(String(input));
        return fetch(`${server.url}${target.pathname}`, init);
      },
    });
    const received: JobEvent[] = [];
    for (const kind of KINDS) {
      source.addEventListener(kind, (message) => {
        received.push(JSON.parse(message.data as string) as JobEvent);
      });
    }

    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    process.kill(-server.pid, 'SIGKILL');
    await server.exited;
    const beforeCrash = received.length;
    server = await spawnServer(args);

    await expect.poll(() => source.readyState, { timeout: 15_000 }).toBe(EventSource.CLOSED);
    const final = await json<Job>(await fetch(`${server.url}/jobs/${job.id}`));
    expect(final.status).toBe('succeeded');
    // No gap, no duplicate: exactly seq 1..last, across the crash.
    expect(received.map((e) => e.seq)).toEqual(Array.from({ length: final.seq }, (_, i) => i + 1));
    // The crash interrupted the running job: the new server re-queued it, and the client saw it.
    expect(received.slice(beforeCrash).map((e) => e.kind)).toContain('requeued');
    // The first request had no cursor; a reconnect to the new server resumed from the last
    // event before the crash; the last request (after the terminal event) got 204.
    expect(lastEventIds[0]).toBeNull();
    expect(lastEventIds).toContain(String(received[beforeCrash - 1]?.seq));
    expect(lastEventIds.at(-1)).toBe(String(final.seq));
    source.close();
  }, 60_000); // two server start-ups and a 2 s job: ~8 s idle, past 20 s on a loaded machine
});

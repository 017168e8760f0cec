/**
 * The SDK's promise for every transport: a watch yields each seq at most once, in order, and
 * ends with the job's true final state, however often its connections are cut mid-stream.
 */
import { describe, expect, it } from 'vitest';
import { createClient, TRANSPORTS, type Job } from '../src/client/index.js';
import { connectionDropper } from './helpers/connection-dropper.js';
import { puppetJobType } from './helpers/puppet-job-type.js';
import { startTestServer } from './helpers/test-server.js';

const DROPS = 3;

/** Collects what a watch yields and lets the test wait for a seq to arrive, by event. */
function recorder() {
  const seen: Job[] = [];
  const waiters = new Set<() => void>();
  return {
    seen,
    push(job: Job) {
      seen.push(job);
      for (const check of [...waiters]) check();
    },
    reached(seq: number): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (seen.some((job) => job.seq >= seq)) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

describe('client.watch', () => {
  it.each(TRANSPORTS)(
    '%s: survives connections cut mid-stream, no seq twice, ends with the final state',
    async (transport) => {
      const puppet = puppetJobType();
      const { server, url } = await startTestServer({}, [puppet.type]);
      const dropper = connectionDropper(server);
      const client = createClient({ baseUrl: url, backoff: { initialMs: 20, maxMs: 200 } });
      const job = await client.submit('puppet', {});
      const control = await puppet.control(job.id);
      const record = recorder();
      // From the submitted snapshot (seq 1): every later seq has to come over the transport.
      const watch = client.watch(job, { transport, pollIntervalMs: 20, longPollWaitSeconds: 5 });
      const done = (async () => {
        for await (const snapshot of watch) record.push(snapshot);
      })();

      let dropped = 0;
      for (let round = 1; round <= DROPS; round++) {
        await control.progress(round * 20);
        // Delivered: the transport is connected (or polling) right now. Cut it off...
        await record.reached((await client.get(job.id)).seq);
        dropped += dropper.dropAll();
        // ...and change the job while it reconnects: it must pick this up by resuming.
        await control.progress(round * 20 + 10);
      }
      control.finish({ answer: 42 });
      await done;

      const final = await client.get(job.id);
      expect(final.status).toBe('succeeded');
      expect(record.seen.at(-1)).toEqual(final);
      const seqs = record.seen.map((snapshot) => snapshot.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      // The changes made while disconnected were not lost (polls may merge them, streams may not).
      if (transport === 'sse' || transport === 'websocket') {
        expect(seqs).toEqual(Array.from({ length: final.seq }, (_, i) => i + 1));
      }
      expect(dropped).toBeGreaterThanOrEqual(DROPS);
      expect(watch.stats.transport).toBe(transport);
      if (transport === 'sse' || transport === 'websocket') {
        expect(watch.stats.connections).toBeGreaterThanOrEqual(DROPS + 1);
      }
    },
  );
});

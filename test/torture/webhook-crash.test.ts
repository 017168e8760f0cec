/**
 * Case 16 — webhooks across a crash. Each trial submits N jobs that ask for a webhook, kills
 * the server (SIGKILL) at a random moment while they run and their deliveries go out (some
 * attempts answered 500, so retries are pending too), restarts it on the same file, and waits
 * until the receiver has every job's terminal event. The outbox row is written in the same
 * transaction as the change, so no job that finished, before or after the kill, may be
 * missing; duplicates (an attempt in flight at the kill) are allowed and counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startReceiver } from '../../demos/webhooks/receiver.js';
import { newWebhookSecret } from '../../src/jobs/webhook-secret.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { count, figure } from './helpers/figures.js';
import { seededRandom } from './helpers/random.js';
import { sized } from './helpers/size.js';

const TRIALS = sized(10, 3);
const JOBS = sized(300, 100);

interface TrialResult {
  jobs: number;
  lost: number;
  duplicates: number;
  pendingAtKill: number;
}

describe('torture 16: webhooks across a crash', () => {
  it(`${TRIALS} trials of ${JOBS} jobs with webhooks + SIGKILL at a random moment + restart: every job's terminal event is delivered`, async () => {
    const random = seededRandom();
    const results: TrialResult[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      results.push(await crashTrial(random.int(100, 1500), random.next));
    }
    const sum = (key: keyof TrialResult) => results.reduce((n, r) => n + r[key], 0);
    figure(
      `webhooks across a crash: ${TRIALS} trials, ${count(sum('jobs'))} jobs with a webhook, ` +
        `${sum('lost')} terminal events lost, ${count(sum('pendingAtKill'))} not yet delivered ` +
        `at the kill and delivered after the restart, ${sum('duplicates')} duplicates ` +
        `(dropped by webhook-id) (seed ${random.seed})`,
    );
    expect(sum('lost')).toBe(0);
    expect(sum('pendingAtKill')).toBeGreaterThan(0);
  });
});

async function crashTrial(killAfterMs: number, next: () => number): Promise<TrialResult> {
  const secret = newWebhookSecret();
  const receiver = await startReceiver({
    secrets: [secret],
    // One in five attempts fails, so some deliveries are waiting for a retry at the kill.
    respond: () => (next() < 0.2 ? 500 : 200),
  });
  onTestFinished(() => receiver.close());
  const delivered = () =>
    new Set(
      receiver.requests
        .filter((r) => r.answer === 200 || r.answer === 'duplicate')
        .map((r) => r.payload?.data.jobId),
    );
  const args = [
    '--data-dir',
    tempDir(),
    '--webhook-secret',
    secret,
    '--webhook-allow-private',
    'true',
    '--webhook-retry-delay',
    '100ms',
    '--webhook-timeout',
    '1s',
    '--webhook-connect-timeout',
    '1s',
  ];
  const first = await spawnServer([...args, '--concurrency', '8']);
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, JOBS - i) }, () =>
        fetch(`${first.url}/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'demo',
            input: { stepMs: 10 },
            webhook: { url: receiver.url },
          }),
        }).then(async (r) => ((await r.json()) as { id: string }).id),
      ),
    );
    ids.push(...batch);
  }
  await sleep(killAfterMs);
  process.kill(-first.pid, 'SIGKILL');
  await first.exited;
  const pendingAtKill = ids.filter((id) => !delivered().has(id)).length;

  const second = await spawnServer([...args, '--concurrency', '16']);
  await expect
    .poll(() => ids.filter((id) => !delivered().has(id)).length, {
      timeout: 90_000,
      interval: 100,
    })
    .toBe(0);
  process.kill(second.pid, 'SIGTERM');
  await second.exited;
  const lost = ids.filter((id) => !delivered().has(id)).length;
  const duplicates = receiver.requests.filter((r) => r.answer === 'duplicate').length;
  return { jobs: ids.length, lost, duplicates, pendingAtKill };
}

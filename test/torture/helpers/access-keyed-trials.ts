/**
 * The two surfaces that do not answer "not found". An Idempotency-Key alice used is, for bob,
 * a key nobody used: a new job of his, answered exactly as with a fresh key, and his replay and
 * conflict name his job, never hers. A list holds only bob's jobs, whatever its filters or its
 * cursor (even one alice's list gave her).
 */
import type { Agent } from 'node:http';
import type { Job } from '../../../src/model/job.js';
import type { JobPage } from '../../../src/model/job-page.js';
import { httpCall, normaliser, renderHttp } from './access-capture.js';
import { ALICE, BOB, bearer, submit } from './access-scene.js';
import type { Difference } from './access-trials.js';
import type { Random } from './random.js';

const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g;

/**
 * Alice submits with a new Idempotency-Key; bob submits the same body with that key and with a
 * fresh one: both must be new jobs of his, answered alike. Then bob's replay is his own job, a
 * different body with the key is 422 naming his job, and alice's replay is still hers.
 */
export interface IdempotencyPlan {
  key: string;
  events: number;
  aliceKeyFirst: boolean;
}

export function planIdempotency(key: string, random: Random): IdempotencyPlan {
  return { key, events: random.int(1, 50), aliceKeyFirst: random.next() < 0.5 };
}

export async function idempotencyTrial(
  url: string,
  agent: Agent,
  { key, events, aliceKeyFirst }: IdempotencyPlan,
): Promise<Difference[]> {
  const body = { type: 'ticker', input: { events } };
  const alices = await submit(url, ALICE, body, key);
  const post = async (idempotencyKey: string, input: unknown = body.input) => {
    const answer = await httpCall(
      url,
      {
        method: 'POST',
        path: '/jobs',
        headers: {
          ...bearer(BOB),
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify({ type: body.type, input }),
      },
      agent,
    );
    const job = JSON.parse(answer?.body ?? '{}') as Partial<Job> & { jobId?: string };
    return { answer, job, text: renderHttp(answer) };
  };
  const fresh = `${key}-fresh`;
  const order = aliceKeyFirst ? [key, fresh] : [fresh, key];
  const [first, second] = [await post(order[0] ?? key), await post(order[1] ?? fresh)];
  const [theirs, none] = order[0] === key ? [first, second] : [second, first];
  const differences: Difference[] = [];
  const same = (text: string, id: string | undefined) =>
    normaliser([id ?? ''])(text).replace(TIME, '<time>');
  const note = (what: string, a: string, b: string) => {
    if (a !== b) differences.push({ what: `idempotency: ${what}`, theirs: a, none: b });
  };
  note(
    'a key alice used vs a fresh one',
    same(theirs.text, theirs.job.id),
    same(none.text, none.job.id),
  );
  note(
    'a new job of bob\u2019s',
    String(theirs.job.id !== alices.id && theirs.answer?.status),
    '202',
  );
  const replay = await post(key);
  note('bob\u2019s replay', `${replay.answer?.status} ${replay.job.id}`, `202 ${theirs.job.id}`);
  const conflict = await post(key, { events: 99_999 });
  note('another body', `${conflict.answer?.status} ${conflict.job.jobId}`, `422 ${theirs.job.id}`);
  const aliceReplay = await submit(url, ALICE, body, key);
  note('alice\u2019s replay', aliceReplay.id, alices.id);
  return differences;
}

/**
 * Bob lists with random filters, page by page (up to 20 pages), sometimes starting from a
 * cursor alice got. Resolves with the ids listed; whose they are is checked in the store.
 */
export interface ListPlan {
  params: URLSearchParams;
  /** Start from a cursor alice's own list gave her. */
  alicesCursor: boolean;
}

export function planList(random: Random): ListPlan {
  const params = new URLSearchParams({ limit: String(random.int(1, 10)) });
  const status = random.pick(['', 'queued', 'running', 'succeeded', 'failed', 'canceled']);
  if (status !== '') params.set('status', status);
  if (random.next() < 0.3) params.set('type', random.pick(['ticker', 'hash-file', 'demo']));
  return { params, alicesCursor: random.next() < 0.3 };
}

export async function listTrial(
  url: string,
  agent: Agent,
  { params, alicesCursor }: ListPlan,
): Promise<{ pages: number; ids: string[] }> {
  if (alicesCursor) {
    const alices = await fetch(`${url}/jobs?limit=1`, { headers: bearer(ALICE) });
    const cursor = ((await alices.json()) as JobPage).nextCursor;
    if (cursor !== null) params.set('cursor', cursor);
  }
  const ids: string[] = [];
  let pages = 0;
  for (let cursor = params.get('cursor'); pages < 20;) {
    if (cursor !== null) params.set('cursor', cursor);
    const answer = await httpCall(
      url,
      { path: `/jobs?${params.toString()}`, headers: bearer(BOB) },
      agent,
    );
    if (answer?.status !== 200)
      throw new Error(`GET /jobs?${params.toString()}: ${renderHttp(answer)}`);
    const page = JSON.parse(answer.body) as JobPage;
    pages++;
    ids.push(...page.jobs.map((j) => j.id));
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  return { pages, ids };
}

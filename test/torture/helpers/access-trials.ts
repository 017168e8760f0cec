/**
 * The access-control case's trials. A comparison asks one probe twice, as bob: for someone
 * else's job and for a generated id nobody has, spelled the same way, in random order; after
 * the id is replaced by `<id>`, the two answers must be the same text. Idempotency and list
 * trials (access-keyed-trials.ts) are mixed in. Everything random is drawn while planning, in
 * order, so TORTURE_SEED replays the same trials however the workers interleave.
 */
import { Agent } from 'node:http';
import { isTerminal } from '../../../src/model/job.js';
import { httpCall, NO_ANSWER, normaliser, renderHttp } from './access-capture.js';
import { pickProbe } from './access-client-probes.js';
import {
  planIdempotency,
  planList,
  idempotencyTrial,
  listTrial,
  type IdempotencyPlan,
  type ListPlan,
} from './access-keyed-trials.js';
import {
  idForms,
  SPELLINGS,
  type Ask,
  type Probe,
  type ProbeContext,
  type Spelling,
} from './access-probes.js';
import { BOB, bearer, missingId, type Target } from './access-scene.js';
import { count, quantile } from './figures.js';
import type { Random } from './random.js';

export interface Comparison {
  probe: Probe;
  target: Target;
  spelling: Spelling;
  missing: string;
  targetFirst: boolean;
  ask: Ask;
}

export interface Difference {
  what: string;
  theirs: string;
  none: string;
}

export type Trial =
  | { kind: 'compare'; comparison: Comparison }
  | { kind: 'idempotency'; plan: IdempotencyPlan }
  | { kind: 'list'; plan: ListPlan };

export interface TrialCounts {
  comparisons: number;
  idempotency: number;
  lists: number;
}

export function planTrials(
  ctx: ProbeContext,
  targets: readonly Target[],
  counts: TrialCounts,
  random: Random,
): Trial[] {
  const trials: Trial[] = [];
  const unfinished = targets.filter((t) => !isTerminal(t.job.status));
  for (let i = 0; i < counts.comparisons; i++) {
    const probe = pickProbe(random);
    const target = random.pick(probe.unfinishedOnly === true ? unfinished : targets);
    const asIssued = probe.asIssuedOnly === true || random.next() < 0.75;
    const spelling = asIssued ? (SPELLINGS[0] as Spelling) : random.pick(SPELLINGS);
    const ask = probe.plan(ctx, target, random);
    const comparison = {
      probe,
      target,
      spelling,
      ask,
      missing: missingId(random),
      targetFirst: random.next() < 0.5,
    };
    trials.push({ kind: 'compare', comparison });
  }
  const insert = (trial: Trial) => trials.splice(random.int(0, trials.length), 0, trial);
  for (let i = 0; i < counts.idempotency; i++) {
    insert({ kind: 'idempotency', plan: planIdempotency(`acl-${random.seed}-${i}`, random) });
  }
  for (let i = 0; i < counts.lists; i++) insert({ kind: 'list', plan: planList(random) });
  return trials;
}

export interface TrialResults {
  differences: Difference[];
  /** The missing id's answers, by kind (for the figure). */
  answers: Map<string, number>;
  surfaces: Set<string>;
  /** Ids bob's lists held. */
  listed: string[];
  pages: number;
  seconds: number;
}

/** Runs the trials, `workers` at a time. */
export async function runTrials(
  url: string,
  agent: Agent,
  trials: readonly Trial[],
  workers: number,
): Promise<TrialResults> {
  const results: TrialResults = {
    differences: [],
    answers: new Map(),
    surfaces: new Set(),
    listed: [],
    pages: 0,
    seconds: 0,
  };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let trial = trials[next++]; trial !== undefined; trial = trials[next++]) {
      if (trial.kind === 'idempotency') {
        results.differences.push(...(await idempotencyTrial(url, agent, trial.plan)));
      } else if (trial.kind === 'list') {
        const { pages, ids } = await listTrial(url, agent, trial.plan);
        results.pages += pages;
        results.listed.push(...ids);
      } else {
        const { difference, answer } = await compare(trial.comparison);
        results.surfaces.add(trial.comparison.probe.surface);
        results.answers.set(answer, (results.answers.get(answer) ?? 0) + 1);
        if (difference) results.differences.push(difference);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  results.seconds = (performance.now() - started) / 1000;
  return results;
}

/** `404 job_not_found ×12, …`, most frequent first; at most `top` kinds named. */
export function tally(counts: ReadonlyMap<string, number>, top = Infinity): string {
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const named = sorted.slice(0, top).map(([key, n]) => `${key} ×${count(n)}`);
  if (sorted.length > top) named.push(`${sorted.length - top} more kinds`);
  return named.join(', ');
}

/** Runs one comparison; resolves with its difference, if any, and the answer (for the tally). */
export async function compare(c: Comparison): Promise<{ difference?: Difference; answer: string }> {
  const theirsForm = c.spelling.spell(c.target.job.id);
  const noneForm = c.spelling.spell(c.missing);
  const ask = async (first: boolean) =>
    first === c.targetFirst ? c.ask(theirsForm) : c.ask(noneForm);
  const a = await ask(true);
  const b = await ask(false);
  const [theirsRaw, noneRaw] = c.targetFirst ? [a, b] : [b, a];
  const theirs = normaliser(idForms(c.target.job.id, theirsForm))(theirsRaw);
  const none = normaliser(idForms(c.missing, noneForm))(noneRaw);
  const answer = summary(none);
  if (theirs === none && none !== NO_ANSWER) return { answer };
  const what =
    `${c.probe.name}, ${c.target.owner}'s ${c.target.state} job, ` +
    `id ${c.spelling.name}${c.targetFirst ? '' : ', missing asked first'}`;
  return { answer, difference: { what, theirs, none } };
}

/** A short name for an answer, for the figure's tally: what came back, and its code. */
function summary(text: string): string {
  if (text === NO_ANSWER) return text;
  // A watch's yielded snapshots may hold a failed job's own error code: read how it ended.
  const end = text.startsWith('[') ? text.slice(text.lastIndexOf('] then ')) : text;
  const code = /"code":"([a-z_0-9]+)"/.exec(end)?.[1] ?? /^error (\d+)/.exec(end)?.[1];
  const status = /^(\d{3})\n/.exec(text)?.[1];
  const kind = status
    ? `HTTP ${status}`
    : text.startsWith('{')
      ? `WebSocket ${/^\{"type":"([a-z]+)"/.exec(text)?.[1] ?? '?'}`
      : text.startsWith('[')
        ? `SDK watch ${/ then (\w+)/.exec(text)?.[1] ?? '?'}`
        : /^(resolved|rejected)/.test(text)
          ? `SDK ${text.split(' ')[0] ?? ''}`
          : `EventSource ${text.split(' ')[0] ?? ''}`;
  return code === undefined ? kind : `${kind} ${code}`;
}

export interface Latency {
  median: string;
  p90: string;
}

/**
 * `pairs` pairs of GET /jobs/:id as bob on one kept-alive connection, in alternating order:
 * someone else's job, and a fresh missing id. Milliseconds, for a figure only.
 */
export async function timeNotFound(
  url: string,
  targets: readonly Target[],
  pairs: number,
  random: Random,
): Promise<{ theirs: Latency; none: Latency }> {
  const samples = { theirs: [] as number[], none: [] as number[] };
  const single = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < pairs; i++) {
      const pair: ['theirs' | 'none', string][] = [
        ['theirs', random.pick(targets).job.id],
        ['none', missingId(random)],
      ];
      if (i % 2 === 1) pair.reverse();
      for (const [side, id] of pair) {
        const answer = await httpCall(url, { path: `/jobs/${id}`, headers: bearer(BOB) }, single);
        if (answer?.status !== 404) throw new Error(`GET /jobs/${id}: ${renderHttp(answer)}`);
        samples[side].push(answer.elapsedMs);
      }
    }
  } finally {
    single.destroy();
  }
  const latency = (values: number[]): Latency => ({
    median: quantile(values, 0.5).toFixed(3),
    p90: quantile(values, 0.9).toFixed(3),
  });
  return { theirs: latency(samples.theirs), none: latency(samples.none) };
}

/**
 * The surfaces the access-control case asks about, each as a probe: given a job id (in some
 * spelling), ask for it the way one client would, as bob, and say what came back as text. A
 * probe's random choices (credential, cursor, transport) are made once per trial by `plan`, so
 * the two questions of a trial — someone else's job, and a job nobody has — differ only in
 * the id.
 */
import type { Agent } from 'node:http';
import type { Client } from '../../../src/client/index.js';
import { eventSourceOutcome, httpCall, renderHttp, type WsClient } from './access-capture.js';
import { BOB, bearer, type Scene, type Target } from './access-scene.js';
import type { Random } from './random.js';

/** An id as a probe sends it: `value` in messages and SDK calls, `url` (encoded) in URLs. */
export interface IdForm {
  value: string;
  url: string;
}

export interface Spelling {
  name: string;
  /** Whether the server should recognise it as a job id (and answer 404, not 400). */
  wellFormed: boolean;
  spell(id: string): IdForm;
}

const same = (value: string): IdForm => ({ value, url: encodeURIComponent(value) });

/** The id as issued, and malformed or oddly encoded spellings of it. */
export const SPELLINGS: readonly Spelling[] = [
  { name: 'as issued', wellFormed: true, spell: same },
  {
    name: 'percent-encoded',
    wellFormed: true,
    spell: (id) => ({
      value: id,
      url: Array.from({ length: id.length }, (_, i) => `%${id.charCodeAt(i).toString(16)}`).join(
        '',
      ),
    }),
  },
  { name: 'upper case', wellFormed: false, spell: (id) => same(id.toUpperCase()) },
  { name: 'one short', wellFormed: false, spell: (id) => same(id.slice(0, -1)) },
  { name: 'one long', wellFormed: false, spell: (id) => same(`${id}a`) },
  {
    name: 'version 1',
    wellFormed: false,
    spell: (id) => same(`${id.slice(0, 14)}1${id.slice(15)}`),
  },
  { name: 'first group', wellFormed: false, spell: (id) => same(id.slice(0, 8)) },
  { name: 'no dashes', wellFormed: false, spell: (id) => same(id.replaceAll('-', '')) },
  { name: 'braces', wellFormed: false, spell: (id) => same(`{${id}}`) },
  { name: 'urn', wellFormed: false, spell: (id) => same(`urn:uuid:${id}`) },
  { name: 'padded', wellFormed: false, spell: (id) => same(` ${id} `) },
  { name: 'newline', wellFormed: false, spell: (id) => same(`${id}\n`) },
  { name: 'twice', wellFormed: false, spell: (id) => same(`${id},${id}`) },
];

/** Every spelling of `id` a probe may have sent, for normalising what came back. */
export function idForms(id: string, form: IdForm): string[] {
  return [id, form.value, form.url, encodeURIComponent(form.value), JSON.stringify(form.value)];
}

export interface ProbeContext {
  url: string;
  agent: Agent;
  bobToken: string;
  bob: Scene['bob'];
  /** Bob's open sockets: authenticated by header, by ?access_token, by cookie. */
  sockets: readonly WsClient[];
  sdk: Client;
  /** How long each long poll that asked to wait 20 s took to be answered, in ms. */
  longPollMs: number[];
}

export type Ask = (id: IdForm) => Promise<string>;

export interface Probe {
  surface: string;
  name: string;
  weight: number;
  /** Only ids spelled as issued: the probe needs a well-formed one (a Job object, say). */
  asIssuedOnly?: boolean;
  /** Only unfinished jobs: the SDK would not ask the server about a finished Job it is given. */
  unfinishedOnly?: boolean;
  plan(ctx: ProbeContext, target: Target, random: Random): Ask;
}

interface Credential {
  headers: Record<string, string>;
  /** `access_token=…` or empty. */
  query: string;
}

/** How a stream client may prove who it is: a key, a token in the URL, or the cookie. */
export function streamCredential(ctx: ProbeContext, random: Random): Credential {
  return random.pick<Credential>([
    { headers: bearer(BOB), query: '' },
    { headers: {}, query: `access_token=${ctx.bobToken}` },
    { headers: { cookie: `bp_token=${ctx.bobToken}` }, query: '' },
  ]);
}

export const withQuery = (path: string, ...parts: string[]) => {
  const query = parts.filter((p) => p !== '').join('&');
  return query === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${query}`;
};

function http(method: string, path: (id: IdForm) => string, headers: Record<string, string>) {
  return (ctx: ProbeContext): Ask =>
    async (id) =>
      renderHttp(await httpCall(ctx.url, { method, path: path(id), headers }, ctx.agent));
}

export const seqNear = (target: Target, random: Random) => random.int(0, target.job.seq + 3);

const REST: Probe[] = [
  {
    surface: 'REST',
    name: 'GET /jobs/:id',
    weight: 3,
    plan: http('GET', (id) => `/jobs/${id.url}`, bearer(BOB)),
  },
  {
    surface: 'REST',
    name: 'HEAD /jobs/:id',
    weight: 1,
    plan: http('HEAD', (id) => `/jobs/${id.url}`, bearer(BOB)),
  },
  {
    surface: 'REST',
    name: 'GET /jobs/:id with If-None-Match',
    weight: 2,
    plan: (ctx, target, random) => {
      const seq = seqNear(target, random);
      const tag = random.pick([`"${seq}"`, `W/"${seq}"`, '*']);
      return http('GET', (id) => `/jobs/${id.url}`, { ...bearer(BOB), 'if-none-match': tag })(ctx);
    },
  },
  {
    surface: 'REST',
    name: 'DELETE /jobs/:id',
    weight: 3,
    plan: http('DELETE', (id) => `/jobs/${id.url}`, bearer(BOB)),
  },
  {
    surface: 'REST',
    name: 'GET /jobs/:id with a token instead of a key',
    weight: 1,
    plan: (ctx) => http('GET', (id) => `/jobs/${id.url}?access_token=${ctx.bobToken}`, {})(ctx),
  },
  {
    surface: 'short polling',
    name: 'GET /check-status?jobId=',
    weight: 3,
    plan: http('GET', (id) => `/check-status?jobId=${id.url}`, bearer(BOB)),
  },
];

/** `wait` up to 20 s: a held poll would outlast the 10 s answer deadline and show as one. */
function longPoll(route: (id: IdForm) => string): Probe['plan'] {
  return (ctx, target, random) => {
    const after = random.pick(['', `after=${seqNear(target, random)}`]);
    const wait = random.pick(['20', '0.5', '0']);
    return async (id) => {
      const path = withQuery(route(id), after, `wait=${wait}`);
      const answer = await httpCall(ctx.url, { path, headers: bearer(BOB) }, ctx.agent);
      if (answer && wait === '20') ctx.longPollMs.push(answer.elapsedMs);
      return renderHttp(answer);
    };
  };
}

const LONG_POLLING: Probe[] = [
  {
    surface: 'long polling',
    name: 'GET /jobs/:id?after&wait',
    weight: 3,
    plan: longPoll((id) => `/jobs/${id.url}`),
  },
  {
    surface: 'long polling',
    name: 'GET /check-status?jobId&after&wait',
    weight: 2,
    plan: longPoll((id) => `/check-status?jobId=${id.url}`),
  },
];

const SSE: Probe[] = [
  {
    surface: 'SSE',
    name: 'GET /jobs/:id/events',
    weight: 3,
    plan: (ctx, target, random) => {
      const credential = streamCredential(ctx, random);
      const seq = String(seqNear(target, random));
      const resume = random.pick<[string, Record<string, string>]>([
        ['', {}],
        [`after=${seq}`, {}],
        ['', { 'last-event-id': seq }],
        ['', { 'last-event-id': 'not-a-seq' }],
      ]);
      return http('GET', (id) => withQuery(`/jobs/${id.url}/events`, credential.query, resume[0]), {
        ...credential.headers,
        ...resume[1],
      })(ctx);
    },
  },
  {
    surface: 'SSE',
    name: 'HEAD /jobs/:id/events',
    weight: 1,
    plan: (ctx, _target, random) => {
      const credential = streamCredential(ctx, random);
      return http(
        'HEAD',
        (id) => withQuery(`/jobs/${id.url}/events`, credential.query),
        credential.headers,
      )(ctx);
    },
  },
  {
    surface: 'SSE',
    name: 'EventSource /jobs/:id/events',
    weight: 1,
    plan: (ctx, _target, random) => {
      const credential = streamCredential(ctx, random);
      return (id) =>
        eventSourceOutcome(
          `${ctx.url}${withQuery(`/jobs/${id.url}/events`, credential.query)}`,
          credential.headers,
        );
    },
  },
  {
    surface: 'multiplexed SSE',
    name: 'GET /events?jobs=<id>',
    weight: 3,
    plan: (ctx, target, random) => {
      const credential = streamCredential(ctx, random);
      const topics = random.pick(['', 'topics=jobs']);
      const cursor = random.next() < 0.3 ? seqNear(target, random) : undefined;
      return http(
        'GET',
        (id) =>
          withQuery(
            `/events?jobs=${id.url}`,
            topics,
            credential.query,
            cursor === undefined ? '' : `after=${id.url}:${cursor}`,
          ),
        credential.headers,
      )(ctx);
    },
  },
  {
    surface: 'multiplexed SSE',
    name: "GET /events?jobs=<bob's>,<id>",
    weight: 3,
    plan: (ctx, _target, random) => {
      const credential = streamCredential(ctx, random);
      const own = random.pick([ctx.bob.running, ctx.bob.succeeded, ctx.bob.queued]).id;
      const first = random.next() < 0.5;
      return http(
        'GET',
        (id) =>
          withQuery(
            `/events?jobs=${first ? `${own},${id.url}` : `${id.url},${own}`}`,
            credential.query,
          ),
        credential.headers,
      )(ctx);
    },
  },
  {
    // Only bob's finished job is followed, so the stream runs to its end and is compared whole.
    surface: 'multiplexed SSE',
    name: "GET /events?jobs=<bob's> with a cursor naming <id>",
    weight: 2,
    plan: (ctx, target, random) => {
      const credential = streamCredential(ctx, random);
      const own = ctx.bob.succeeded;
      const mine = `${own.id}:${random.int(0, own.seq - 1)}`;
      const inHeader = random.next() < 0.5;
      const seq = seqNear(target, random);
      const mineFirst = random.next() < 0.5;
      return async (id) => {
        const cursor = `${id.url}:${seq}`;
        const list = mineFirst ? `${mine},${cursor}` : `${cursor},${mine}`;
        return renderHttp(
          await httpCall(
            ctx.url,
            {
              path: withQuery(
                `/events?jobs=${own.id}`,
                credential.query,
                inHeader ? '' : `after=${list}`,
              ),
              headers: { ...credential.headers, ...(inHeader ? { 'last-event-id': list } : {}) },
            },
            ctx.agent,
          ),
        );
      };
    },
  },
  {
    surface: 'multiplexed SSE',
    name: 'EventSource /events?jobs=<id>',
    weight: 1,
    plan: (ctx, _target, random) => {
      const credential = streamCredential(ctx, random);
      return (id) =>
        eventSourceOutcome(
          `${ctx.url}${withQuery(`/events?jobs=${id.url}`, credential.query)}`,
          credential.headers,
        );
    },
  },
];

/** The probes over plain HTTP: REST, short and long polling, SSE for one job and multiplexed. */
export const HTTP_PROBES: readonly Probe[] = [...REST, ...LONG_POLLING, ...SSE];

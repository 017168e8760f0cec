/**
 * Case 6 — hostile HTTP. Malformed requests on raw sockets, oversize headers and bodies, and
 * thousands of generated requests (random and mutated JSON bodies, ids, parameters and
 * headers, by fast-check) against a server process. What must hold: every answer is below 500,
 * every error is a problem document with a catalogue code and its catalogue status, the
 * server logs no failure and keeps running, and its memory and descriptors come back.
 * Slowloris and held requests are in slowloris.test.ts.
 */
import fc from 'fast-check';
import { Agent } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { count, figure } from './helpers/figures.js';
import { probe, type ProbeRequest } from './helpers/http-probe.js';
import { expectCatalogueAnswer, rawBody } from './helpers/problem.js';
import { exchange } from './helpers/raw-socket.js';
import { sized } from './helpers/size.js';
import { startTortureServer } from './helpers/torture-server.js';

const GENERATED = sized(6000, 1200);
const RAW_RANDOM = sized(1500, 300);
const MiB = 1024 ** 2;

const H = 'Host: 127.0.0.1\r\n';
const MALFORMED: [string, string | Buffer][] = [
  ['garbage', 'GARBAGE\r\n\r\n'],
  ['unknown HTTP version', 'GET /healthz HTTP/9.9\r\n\r\n'],
  ['no Host on HTTP/1.1', 'GET /jobs HTTP/1.1\r\n\r\n'],
  [
    'Content-Length and chunked',
    `POST /jobs HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  ],
  ['negative Content-Length', `POST /jobs HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`],
  [
    'two Content-Lengths',
    `POST /jobs HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
  ],
  [
    'bad chunk size',
    `POST /jobs HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
  ],
  ['space in a header name', `GET /jobs HTTP/1.1\r\n${H}Bad Header: y\r\n\r\n`],
  ['NUL in a header value', `GET /jobs HTTP/1.1\r\n${H}X: a\0b\r\n\r\n`],
  ['obsolete line folding', `GET /jobs HTTP/1.1\r\n${H}X: a\r\n folded\r\n\r\n`],
  ['bare LF', 'GET /jobs HTTP/1.1\nHost: x\n\n'],
  ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['TLS client hello', Buffer.from('160301002001000000030300000000000000000000000000', 'hex')],
  ['bad percent-encoding', `GET /%zz HTTP/1.1\r\n${H}\r\n`],
  ['NUL in the path', `GET /jobs/%00 HTTP/1.1\r\n${H}\r\n`],
  ['absolute-form target', `GET http://evil.example/jobs HTTP/1.1\r\n${H}\r\n`],
  ['CONNECT', 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n'],
  ['lowercase method', `get /jobs HTTP/1.1\r\n${H}\r\n`],
  ['unknown method', `BREW /jobs HTTP/1.1\r\n${H}\r\n`],
  [
    'truncated body',
    `POST /jobs HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 80\r\n\r\n{"type":`,
  ],
  [
    'body longer than announced',
    `POST /jobs HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}{"type":"demo"}`,
  ],
  [
    'upgrade without a key',
    `GET /ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  ],
  [
    'upgrade with a bad version',
    `GET /ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n\r\n`,
  ],
  [
    'upgrade by POST',
    `POST /ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  ],
  [
    'upgrade to another protocol',
    `GET /jobs HTTP/1.1\r\n${H}Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n`,
  ],
  ['oversize URL', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${H}\r\n`],
  ['oversize header', `GET /jobs HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(20_000)}\r\n\r\n`],
  ['many headers', `GET /jobs HTTP/1.1\r\n${H}${'X-H: v\r\n'.repeat(3000)}\r\n`],
  [
    'JSON nested 30,000 deep',
    jsonRequest(`{"type":"demo","input":${'['.repeat(30_000)}${']'.repeat(30_000)}}`),
  ],
  // Found by the generator (seed 1894708112): the 400 to HEAD has no body, and what follows
  // its headers is the answer to the stray byte.
  ['HEAD, then a stray byte', `HEAD /jobs/x HTTP/1.1\r\n${H}\r\nA`],
  [
    'pipelined requests',
    `GET /healthz HTTP/1.1\r\n${H}\r\nGET /jobs/x HTTP/1.1\r\n${H}\r\nGARBAGE\r\n\r\n`,
  ],
];

function jsonRequest(body: string): string {
  const length = Buffer.byteLength(body);
  return `POST /jobs HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${body}`;
}

/** Every response in a raw exchange is below 500, and errors are catalogue problems. */
function expectRawAnswers(
  request: string | Buffer,
  text: string,
  statuses: number[],
  context: string,
): void {
  for (const status of statuses) expect(status, context).toBeLessThan(500);
  // The first response's body is checked; pipelined ones after it only by status.
  const first = statuses[0];
  if (first !== undefined && first >= 400) {
    const toHead = request.slice(0, 5).toString() === 'HEAD ';
    const { contentType, body } = rawBody(text, toHead);
    expectCatalogueAnswer(first, contentType, body, context);
  }
}

describe('torture 6: hostile HTTP', () => {
  it(`${MALFORMED.length} malformed requests and ${count(RAW_RANDOM)} random byte streams on raw sockets: only 4xx with catalogue codes, no crash`, async () => {
    const server = await startTortureServer();
    const codes = new Map<number, number>();
    const note = (statuses: number[]) => {
      for (const s of statuses) codes.set(s, (codes.get(s) ?? 0) + 1);
    };
    for (const [name, bytes] of MALFORMED) {
      const answer = await exchange(server.url, bytes);
      expect(answer.ended, name).toBe('closed');
      expectRawAnswers(bytes, answer.text, answer.statuses, name);
      note(answer.statuses);
    }
    const requestText = fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'HEAD', 'OPTIONS', 'G\0T', ''),
        fc.oneof(
          fc.constantFrom('/jobs', '/jobs/x', '/events', '/ws', '/healthz', '*'),
          fc.string(),
        ),
        fc.constantFrom(' HTTP/1.1', ' HTTP/1.0', '', ' HTTP/1.1 x'),
        fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 })), {
          maxLength: 6,
        }),
        fc.string({ maxLength: 200 }),
      )
      .map(
        ([method, path, version, headers, body]) =>
          `${method} ${path}${version}\r\nHost: x\r\n` +
          headers.map(([k, v]) => `${k}: ${v}\r\n`).join('') +
          `\r\n${body}`,
      );
    const bytes = fc.oneof(
      requestText.map((text) => Buffer.from(text, 'latin1')),
      fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array)),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (payload) => {
        const answer = await exchange(server.url, payload);
        expect(answer.ended).toBe('closed');
        expectRawAnswers(
          payload,
          answer.text,
          answer.statuses,
          JSON.stringify(payload.toString('latin1')),
        );
        note(answer.statuses);
      }),
      { numRuns: RAW_RANDOM },
    );
    expect(server.child.exitCode).toBeNull();
    expect(server.failures()).toEqual([]);
    figure(
      `hostile HTTP, raw: ${MALFORMED.length} malformed requests + ${count(RAW_RANDOM)} generated ` +
        `byte streams → statuses ${describeTally(codes)}; 0 × 5xx, 0 crashes`,
    );
  });

  it('oversize headers and bodies: 431 and 413 without reading the whole body', async () => {
    const server = await startTortureServer();
    const announced = `POST /jobs HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: ${64 * MiB}\r\n\r\n{"type":"demo",`;
    const big = await exchange(server.url, announced);
    expect(big.statuses).toEqual([413]);
    expectRawAnswers(announced, big.text, big.statuses, 'announced 64 MiB');
    // Chunked: no length up front, so the limit applies while reading.
    const chunk = 'a'.repeat(16 * 1024);
    const chunked =
      `POST /jobs HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(16) +
      '0\r\n\r\n';
    const chunkedAnswer = await exchange(server.url, chunked);
    expect(chunkedAnswer.statuses[0]).toBe(413);
    const firstStatus = chunkedAnswer.statuses.slice(0, 1);
    expectRawAnswers(chunked, chunkedAnswer.text, firstStatus, 'chunked 256 KiB');
    const cookie = `GET /jobs HTTP/1.1\r\n${H}Cookie: ${'c'.repeat(64 * 1024)}\r\n\r\n`;
    const header = await exchange(server.url, cookie);
    expect(header.statuses).toEqual([431]);
    expectRawAnswers(cookie, header.text, header.statuses, 'oversize header');
    figure(
      'hostile HTTP, limits: 64 MiB announced body → 413, 256 KiB chunked body → 413, 64 KiB header → 431',
    );
  });

  it(`${count(GENERATED)} generated requests (JSON bodies, ids, parameters, headers): only catalogue answers, no 500, memory and descriptors bounded`, async () => {
    const server = await startTortureServer({ longPollMaxWait: 1000, concurrency: 2 });
    const { url } = server;
    const ticker = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'ticker', input: { events: 3 } }),
    );
    const running = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'ticker', input: { events: 1000, intervalMs: 1000 } }),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const warm = await server.stats();
    const statuses = new Map<string, number>();
    let created = 0;
    await fc.assert(
      fc.asyncProperty(requestArbitrary([ticker.id, running.id]), async (req) => {
        const answer = await probe(url, req, agent).catch((error: unknown) => {
          // node:http refused to send it (an invalid header value, say): nothing reached the server.
          if (error instanceof TypeError || (error as { code?: string }).code?.startsWith('ERR_')) {
            return undefined;
          }
          throw error;
        });
        if (!answer) return;
        const context = `${req.method} ${req.path} ${JSON.stringify(req.headers)} ${req.body ?? ''} → ${answer.body}`;
        const code = expectCatalogueAnswer(answer.status, answer.contentType, answer.body, context);
        const key = code ?? `${req.method === 'HEAD' ? 'HEAD ' : ''}${answer.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (answer.status === 202) {
          created++;
          // Cancel what was created, so generated primes and demo jobs do not pile up.
          const job = JSON.parse(answer.body) as Partial<Job> & { jobId?: string };
          const id = job.id ?? job.jobId ?? '';
          await probe(url, { method: 'DELETE', path: `/jobs/${id}` }, agent);
        }
      }),
      { numRuns: GENERATED },
    );
    agent.destroy();
    // The server sees the destroyed sockets close asynchronously, later on a loaded machine (a CI
    // run found 3 still open after a fixed 500 ms): poll within a bound, so only a leak fails.
    // Counted: sockets and files. A generated job may start one more worker-pool thread, whose
    // event loop holds pipes, an epoll and an eventfd until its 30 s idle timeout (a CI run saw
    // exactly those 5 more); the pool bounds the threads, so they are not a leak.
    const end = await vi.waitFor(
      async () => {
        const stats = await server.stats();
        const kinds = `${describeKinds(warm.fdKinds)} → ${describeKinds(stats.fdKinds)}`;
        expect(connectionFds(stats.fdKinds), `sockets and files: ${kinds}`).toBeLessThanOrEqual(
          connectionFds(warm.fdKinds) + 2,
        );
        return stats;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(server.child.exitCode).toBeNull();
    expect(server.failures()).toEqual([]);
    expect(end.heapUsedBytes).toBeLessThan(warm.heapUsedBytes + 32 * MiB);
    figure(
      `hostile HTTP, generated: ${count(GENERATED)} requests → ${describeTally(statuses)} ` +
        `(${created} jobs created and canceled); 0 × 5xx; live heap ${mib(warm.heapUsedBytes)} → ` +
        `${mib(end.heapUsedBytes)} MiB, RSS ${mib(warm.rssBytes)} → ${mib(end.rssBytes)} MiB, ` +
        `open descriptors ${warm.openFds} → ${end.openFds} (${describeKinds(end.fdKinds)})`,
    );
  });
});

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

/** Descriptors a request can leave open: sockets and files (not a thread's loop internals). */
function connectionFds(kinds: Record<string, number>): number {
  return Object.entries(kinds)
    .filter(([kind]) => kind === 'socket' || (kind.startsWith('/') && kind !== '/dev/null'))
    .reduce((sum, [, n]) => sum + n, 0);
}

function describeKinds(kinds: Record<string, number>): string {
  return describeTally(new Map(Object.entries(kinds)));
}

function describeTally<K>(tally: Map<K, number>): string {
  return [...tally.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${String(key)} ×${count(n)}`)
    .join(', ');
}

/** Requests to every route, with ids, parameters, headers and bodies from hostile to nearly valid. */
function requestArbitrary(knownIds: string[]): fc.Arbitrary<ProbeRequest> {
  const id = fc.oneof(
    fc.constantFrom(...knownIds),
    fc.uuid({ version: 4 }),
    fc.uuid(),
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      '',
      '..',
      '%00',
      'null',
      '-1',
      '0',
      ' ',
      'ABCDEF00-0000-4000-8000-000000000000',
    ),
  );
  const enc = (text: string) => encodeURIComponent(text);
  const seq = fc.oneof(
    fc.nat().map(String),
    fc.integer().map(String),
    fc.string({ maxLength: 12 }),
    fc.constantFrom('1e3', '0x10', '9'.repeat(30), '-0', 'NaN'),
  );
  const json = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc
      .record(
        {
          type: fc.oneof(fc.constantFrom('demo', 'primes', 'hash-file', 'ticker'), fc.string()),
          input: fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.record(
              { stepMs: fc.oneof(fc.integer(), fc.double(), fc.string()) },
              { requiredKeys: [] },
            ),
            fc.record(
              { n: fc.oneof(fc.integer({ min: -5, max: 2e9 }), fc.string()) },
              { requiredKeys: [] },
            ),
            fc.record({ path: fc.string() }, { requiredKeys: [] }),
            fc.record(
              {
                events: fc.integer({ min: -1, max: 5 }),
                intervalMs: fc.integer({ min: -1, max: 20 }),
              },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      )
      .map((body) => JSON.stringify(body)),
    fc.string({ maxLength: 100 }),
  );
  // A nearly valid body with one character changed, dropped or added.
  const mutated = fc
    .tuple(
      fc.constantFrom(
        '{"type":"demo","input":{"stepMs":20}}',
        '{"type":"primes","input":{"n":1000}}',
      ),
      fc.nat(),
      fc.string({ minLength: 1, maxLength: 1 }),
      fc.constantFrom('replace', 'drop', 'insert'),
    )
    .map(([text, at, char, how]) => {
      const i = at % text.length;
      if (how === 'drop') return text.slice(0, i) + text.slice(i + 1);
      if (how === 'insert') return text.slice(0, i) + char + text.slice(i);
      return text.slice(0, i) + char + text.slice(i + 1);
    });
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=latin1',
    '',
    'application/problem+json',
  );
  const header = fc.oneof(fc.string({ maxLength: 60 }), seq, fc.constantFrom(''));
  return fc.oneof(
    fc.record({
      method: fc.constant('POST'),
      path: fc.constantFrom('/jobs', '/submit'),
      body: fc.oneof(json, mutated),
      headers: fc.record(
        { 'content-type': contentType, 'idempotency-key': header },
        { requiredKeys: ['content-type'] },
      ),
    }),
    fc.record({
      method: fc.constantFrom('GET', 'DELETE', 'HEAD'),
      path: id.map((i) => `/jobs/${enc(i)}`),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc
        .tuple(id, seq, seq)
        .map(([i, after, wait]) => `/jobs/${enc(i)}?after=${enc(after)}&wait=${enc(wait)}`),
      headers: fc.record({ 'if-none-match': header }, { requiredKeys: [] }),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc.tuple(id, seq).map(([i, after]) => `/jobs/${enc(i)}/events?after=${enc(after)}`),
      headers: fc.record({ 'last-event-id': header }, { requiredKeys: [] }),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc
        .tuple(
          fc.array(id, { maxLength: 25 }),
          fc.constantFrom('', 'jobs', 'chat', 'jobs,jobs'),
          fc.string({ maxLength: 40 }),
        )
        .map(
          ([ids, topics, after]) =>
            `/events?jobs=${ids.map(enc).join(',')}&topics=${topics}&after=${enc(after)}`,
        ),
      headers: fc.record({ 'last-event-id': header }, { requiredKeys: [] }),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc.tuple(id, seq).map(([i, wait]) => `/check-status?jobId=${enc(i)}&wait=${enc(wait)}`),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc
        .tuple(
          fc.string({ maxLength: 12 }),
          fc.string({ maxLength: 12 }),
          seq,
          fc.string({ maxLength: 30 }),
        )
        .map(
          ([status, type, limit, cursor]) =>
            `/jobs?status=${enc(status)}&type=${enc(type)}&limit=${enc(limit)}&cursor=${enc(cursor)}`,
        ),
    }),
    fc.record({
      method: fc.constantFrom('GET', 'PATCH', 'PUT', 'OPTIONS'),
      path: fc.string({ maxLength: 30 }).map((p) => `/${enc(p)}`),
    }),
  );
}

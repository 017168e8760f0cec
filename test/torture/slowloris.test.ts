/**
 * Case 6 (continued) — slowloris and held requests. Hundreds of connections trickle their
 * headers, or their bodies, a byte every half second: each is cut with `408 request_timeout`
 * within its timeout plus the one-second check interval, while other clients are still
 * served. And the same timeouts never cut what the server itself holds: long polls and event
 * streams outlive them several times over.
 */
import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { parseEventStream } from '../helpers/sse.js';
import { figure, quantile } from './helpers/figures.js';
import { expectCatalogueAnswer, rawBody } from './helpers/problem.js';
import { trickle, type Exchange } from './helpers/raw-socket.js';
import { sized } from './helpers/size.js';
import { startTortureServer } from './helpers/torture-server.js';

const HEADERS_TIMEOUT = 2000;
const REQUEST_TIMEOUT = 4000;
/** Node checks the timeouts once a second (connectionsCheckingInterval); the rest is slack. */
const CHECK = 1000;
const SLACK = 2000;
const LORIS = sized(300, 60);
const HELD = sized(20, 5);

async function healthTimes(url: string, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  return times;
}

function expectTimedOut(answer: Exchange, limitMs: number): void {
  expect(answer.ended).toBe('closed');
  expect(answer.statuses).toEqual([408]);
  const { contentType, body } = rawBody(answer.text);
  expect(expectCatalogueAnswer(408, contentType, body, 'slowloris')).toBe('request_timeout');
  expect(answer.elapsedMs).toBeLessThan(limitMs + CHECK + SLACK);
}

describe('torture 6: slowloris and held requests', () => {
  it(`${LORIS} connections trickling headers and ${LORIS / 2} trickling bodies are cut with 408 in time; other clients are served meanwhile`, async () => {
    const server = await startTortureServer({
      headersTimeout: HEADERS_TIMEOUT,
      requestTimeout: REQUEST_TIMEOUT,
    });
    const { url } = server;
    const baseline = await healthTimes(url, 30);
    const bytes = (n: number) => Array.from({ length: n }, () => 'a');
    const headerLoris = Array.from({ length: LORIS }, () =>
      trickle(url, ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', ...bytes(60)], 500, 30_000),
    );
    const bodyLoris = Array.from({ length: LORIS / 2 }, () =>
      trickle(
        url,
        [
          'POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
          ...bytes(60),
        ],
        500,
        30_000,
      ),
    );
    const during = await healthTimes(url, 30);
    const headerAnswers = await Promise.all(headerLoris);
    const bodyAnswers = await Promise.all(bodyLoris);
    for (const answer of headerAnswers) expectTimedOut(answer, HEADERS_TIMEOUT);
    for (const answer of bodyAnswers) expectTimedOut(answer, REQUEST_TIMEOUT);
    // Served, and not badly slowed: a generous bound over the idle median of this same run.
    const p50 = quantile(baseline, 0.5);
    expect(quantile(during, 0.5)).toBeLessThan(Math.max(10 * p50, p50 + 100));
    expect(server.child.exitCode).toBeNull();
    const longest = (answers: Exchange[]) =>
      Math.round(Math.max(...answers.map((a) => a.elapsedMs)));
    figure(
      `slowloris: ${LORIS} header tricklers cut with 408 after at most ${longest(headerAnswers)} ms ` +
        `(--headers-timeout ${HEADERS_TIMEOUT} ms), ${LORIS / 2} body tricklers after at most ` +
        `${longest(bodyAnswers)} ms (--request-timeout ${REQUEST_TIMEOUT} ms); /healthz meanwhile ` +
        `p50 ${quantile(during, 0.5).toFixed(1)} ms (idle ${p50.toFixed(1)} ms), 30/30 served`,
    );
  });

  it(`${HELD} event streams and ${HELD} long polls held for several request timeouts are not cut`, async () => {
    const server = await startTortureServer({
      headersTimeout: 1000,
      requestTimeout: 2000,
      sseHeartbeat: 1000,
    });
    const { url } = server;
    // A job that changes every 400 ms for 12 s, and one that stays still for 10 s.
    const busy = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'ticker', input: { events: 30, intervalMs: 400 } }),
    );
    const still = await json<Job>(
      await postJson(`${url}/jobs`, { type: 'ticker', input: { events: 1, intervalMs: 10_000 } }),
    );
    await expect
      .poll(async () => (await json<Job>(await fetch(`${url}/jobs/${still.id}`))).seq)
      .toBe(2);
    const started = performance.now();
    const streams = Array.from({ length: HELD }, () => readStream(`${url}/jobs/${busy.id}/events`));
    const polls = Array.from({ length: HELD }, async () => {
      const response = await fetch(`${url}/jobs/${still.id}?after=2&wait=8`);
      const job = await json<Job>(response);
      return {
        status: response.status,
        outcome: response.headers.get('long-poll-outcome'),
        seq: job.seq,
        elapsedMs: performance.now() - started,
      };
    });
    for (const poll of await Promise.all(polls)) {
      expect(poll).toMatchObject({ status: 200, outcome: 'timeout', seq: 2 });
      expect(poll.elapsedMs).toBeGreaterThan(7500);
    }
    for (const stream of await Promise.all(streams)) {
      const events = parseEventStream(stream.text).events;
      expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)?.event).toBe('succeeded');
      expect(stream.elapsedMs).toBeGreaterThan(10_000);
      expect(stream.endedCleanly).toBe(true);
    }
    figure(
      `held requests: ${HELD} long polls held 8 s and ${HELD} event streams held ` +
        `12 s, against --request-timeout 2 s and --headers-timeout 1 s: 0 cut`,
    );
  });
});

/** Reads an event stream to its end; `endedCleanly` is false when the socket was cut. */
function readStream(
  url: string,
): Promise<{ text: string; elapsedMs: number; endedCleanly: boolean }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { headers: { accept: 'text/event-stream' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve({ text, elapsedMs: performance.now() - started, endedCleanly: true });
      });
      response.on('error', () => {
        resolve({ text, elapsedMs: performance.now() - started, endedCleanly: false });
      });
    }).on('error', reject);
  });
}

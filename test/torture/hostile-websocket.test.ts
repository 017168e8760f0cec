/**
 * Case 7 — hostile WebSocket. Frames that break RFC 6455 on a raw socket (unmasked, invalid
 * UTF-8, oversize or fragmented control frames, reserved bits and opcodes), oversize messages,
 * floods of tiny fragments, generated frames, and thousands of generated JSON messages on
 * well-formed connections. What must hold: the documented close code for each violation
 * (1002, 1007, 1008, 1009), an `error` message with a catalogue code for every bad message on a
 * connection that stays open, never 1011, no crash, and nothing left behind: connections,
 * bus subscriptions, descriptors and memory back to where they were.
 */
import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Job } from '../../src/model/job.js';
import { json, postJson } from '../helpers/http.js';
import { connect } from '../helpers/ws-client.js';
import { count, figure } from './helpers/figures.js';
import { isCatalogueCode } from './helpers/problem.js';
import { frame, rawWebSocket } from './helpers/raw-websocket.js';
import { sized } from './helpers/size.js';
import { startTortureServer, type TortureServer } from './helpers/torture-server.js';

const MESSAGES = sized(10_000, 2000);
const RANDOM_FRAMES = sized(1000, 200);
/** Fragments of one message under the ws library's limit of 16,384. */
const FLOOD = 16_000;
const MiB = 1024 ** 2;
const TEXT = 0x1;
const BINARY = 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;

const closePayload = (code: number, reason = '') => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code);
  payload.write(reason, 2);
  return payload;
};

/** Violations on a fresh connection, and the close code RFC 6455 (and docs/errors.md) name. */
const VIOLATIONS: [string, Buffer[], number][] = [
  ['unmasked client frame', [frame({ opcode: TEXT, payload: '{}', masked: false })], 1002],
  [
    'invalid UTF-8 text',
    [frame({ opcode: TEXT, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) })],
    1007,
  ],
  [
    'invalid UTF-8 split over fragments',
    [
      frame({ opcode: TEXT, fin: false, payload: Buffer.from([0xe2, 0x82]) }),
      frame({ opcode: CONTINUATION, payload: Buffer.from([0x28]) }),
    ],
    1007,
  ],
  [
    'oversize control frame (ping of 200 bytes)',
    [frame({ opcode: PING, payload: Buffer.alloc(200) })],
    1002,
  ],
  ['fragmented control frame', [frame({ opcode: PING, fin: false, payload: 'x' })], 1002],
  ['RSV1 without an extension', [frame({ opcode: TEXT, rsv: 0b100, payload: '{}' })], 1002],
  ['reserved data opcode 0x3', [frame({ opcode: 0x3, payload: 'x' })], 1002],
  ['reserved control opcode 0xB', [frame({ opcode: 0xb, payload: 'x' })], 1002],
  ['continuation without a start', [frame({ opcode: CONTINUATION, payload: 'x' })], 1002],
  [
    'new message inside a fragmented one',
    [frame({ opcode: TEXT, fin: false, payload: '{' }), frame({ opcode: TEXT, payload: '{}' })],
    1002,
  ],
  ['close with an invalid code', [frame({ opcode: CLOSE, payload: closePayload(999) })], 1002],
  ['close with a one-byte payload', [frame({ opcode: CLOSE, payload: Buffer.from([3]) })], 1002],
  [
    'close with invalid UTF-8 reason',
    [frame({ opcode: CLOSE, payload: Buffer.concat([closePayload(1000), Buffer.from([0xff])]) })],
    1007,
  ],
  [
    'message announced as 2^40 bytes',
    [frame({ opcode: TEXT, length: 2 ** 40, payload: 'x' })],
    1009,
  ],
  ['message of 100 KiB', [frame({ opcode: TEXT, payload: Buffer.alloc(100 * 1024, 0x20) })], 1009],
  ['100 fragments of 1 KiB (over the size limit)', fragments(100, 1024), 1009],
  ['16,385 one-byte fragments (over the fragment limit)', fragments(16_385), 1008],
];

/** One message as `n` fragments of `size` spaces (valid UTF-8, invalid JSON). */
function fragments(n: number, size = 1): Buffer[] {
  const payload = Buffer.alloc(size, 0x20);
  const one = (i: number) =>
    frame({ opcode: i === 0 ? TEXT : CONTINUATION, fin: i === n - 1, payload });
  return [Buffer.concat(Array.from({ length: n }, (_, i) => one(i)))];
}

const ALLOWED_CLOSE = new Set([1002, 1007, 1008, 1009]);

async function settle(server: TortureServer, baseline: { busSubscriptions: number }) {
  // Released asynchronously after the sockets close: poll, within a bound.
  await expect
    .poll(async () => server.stats(), { timeout: 10_000, interval: 100 })
    .toMatchObject({ wsConnections: 0, busSubscriptions: baseline.busSubscriptions });
  return server.stats();
}

describe('torture 7: hostile WebSocket', () => {
  it(`${VIOLATIONS.length} protocol violations get their close code; a flood of ${count(FLOOD)} tiny fragments is one message; ${count(RANDOM_FRAMES)} generated frame sequences never get 1011`, async () => {
    const server = await startTortureServer({ wsHeartbeat: 60_000 });
    const before = await server.stats();
    for (const [name, frames, code] of VIOLATIONS) {
      const ws = await rawWebSocket(server.url);
      for (const bytes of frames) ws.send(bytes);
      const closed = await ws.closed;
      expect(closed.code, name).toBe(code);
    }
    // Under the limit, a flood of fragments is just one (bad) message: answered, still open.
    const flood = await rawWebSocket(server.url);
    const floodStarted = performance.now();
    for (const bytes of fragments(FLOOD)) flood.send(bytes);
    await expect
      .poll(() => flood.messages().some((m) => m.type === 'error'), { timeout: 30_000 })
      .toBe(true);
    const floodMs = performance.now() - floodStarted;
    expect(flood.messages().find((m) => m.type === 'error')).toMatchObject({
      code: 'malformed_json',
    });
    expect(flood.socket.destroyed).toBe(false);
    flood.socket.destroy();

    const outcomes = new Map<string, number>();
    const spec = fc.record({
      fin: fc.boolean(),
      rsv: fc.constantFrom(0, 0, 0, 0b100, 0b010, 0b001),
      opcode: fc.constantFrom(TEXT, TEXT, BINARY, CONTINUATION, CLOSE, PING, 0xa, 0x3, 0xb),
      masked: fc.constantFrom(true, true, true, false),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        fc.json().map((text) => Buffer.from(text)),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 4 }), async (specs) => {
        const ws = await rawWebSocket(server.url);
        for (const s of specs) ws.send(frame(s));
        const result = await Promise.race([ws.closed, sleep(300).then(() => undefined)]);
        ws.socket.destroy();
        // A well-formed close frame from the client is answered with its own code (RFC 6455
        // §5.5.1: the endpoint echoes it); any other code must be one the server documents.
        const echoed = result?.code !== undefined && sentCloseCodes(specs).includes(result.code);
        const key =
          result === undefined
            ? 'still open'
            : `closed ${result.code ?? 'without a code'}${echoed ? " (the client's code echoed)" : ''}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (result?.code !== undefined && result.code !== 1000 && !echoed) {
          expect(ALLOWED_CLOSE).toContain(result.code);
        }
        for (const message of ws.messages()) {
          if (message.type === 'error') expect(isCatalogueCode(message.code)).toBe(true);
        }
      }),
      {
        numRuns: RANDOM_FRAMES,
        // Found by a CI run: a valid close (code 3072) and then a text frame; the server
        // rightly echoed 3072, which the property once counted as an undocumented code.
        examples: [
          [
            [
              { fin: true, rsv: 0, opcode: CLOSE, masked: true, payload: Buffer.from([12, 0]) },
              { fin: false, rsv: 0, opcode: TEXT, masked: true, payload: Buffer.from('{}') },
            ],
          ],
        ],
      },
    );
    const after = await settle(server, before);
    expect(server.child.exitCode).toBeNull();
    expect(server.failures()).toEqual([]);
    expect(after.openFds).toBeLessThanOrEqual(before.openFds + 2);
    figure(
      `hostile WebSocket, frames: ${VIOLATIONS.length} violations closed with their codes ` +
        `(1002 ×${VIOLATIONS.filter((v) => v[2] === 1002).length}, 1007 ×${VIOLATIONS.filter((v) => v[2] === 1007).length}, ` +
        `1008 ×1, 1009 ×${VIOLATIONS.filter((v) => v[2] === 1009).length}); ${count(FLOOD)} one-byte fragments → one ` +
        `malformed_json answer in ${Math.round(floodMs)} ms; ${count(RANDOM_FRAMES)} generated frame ` +
        `sequences → ${[...outcomes].map(([k, n]) => `${k} ×${n}`).join(', ')}; 0 × 1011 of the server's own; ` +
        `connections 0, bus subscriptions ${after.busSubscriptions} (before ${before.busSubscriptions}), ` +
        `descriptors ${before.openFds} → ${after.openFds}`,
    );
  });

  it(`${count(MESSAGES)} generated JSON messages: every bad one answered with a catalogue error, the connections stay open, nothing leaks`, async () => {
    const server = await startTortureServer({ wsHeartbeat: 60_000, wsPublishRate: 1_000_000 });
    const job = await json<Job>(
      await postJson(`${server.url}/jobs`, {
        type: 'ticker',
        input: { events: 200, intervalMs: 20 },
      }),
    );
    const before = await server.stats();
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(server.url)));
    // One listener in the room, so generated publishes are delivered (and serialised) too.
    clients[0]?.send({ type: 'subscribe', topic: 'chat:lobby', id: 'listen' });
    await clients[0]?.waitFor((m) => m.id === 'listen');
    const codes = new Map<string, number>();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(messageArbitrary(job.id), fc.nat(3), async (message, which) => {
        const client = clients[which];
        if (!client) return;
        client.send(message);
        sent++;
      }),
      { numRuns: MESSAGES },
    );
    // A final, valid request on each: once answered, everything before it has been handled.
    for (const [i, client] of clients.entries()) {
      client.send({ type: 'unsubscribe', topic: 'jobs', id: `last-${i}` });
      await client.waitFor((m) => m.id === `last-${i}`, 30_000);
    }
    for (const client of clients) {
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
      for (const message of client.messages) {
        if (message.type !== 'error') continue;
        expect(isCatalogueCode(message.code), JSON.stringify(message)).toBe(true);
        codes.set(String(message.code), (codes.get(String(message.code)) ?? 0) + 1);
      }
    }
    const received = clients.reduce((n, c) => n + c.messages.length, 0);
    const peak = await server.stats();
    for (const client of clients) client.ws.close(1000);
    await Promise.all(clients.map((c) => c.closed));
    const after = await settle(server, before);
    expect(server.child.exitCode).toBeNull();
    expect(server.failures()).toEqual([]);
    expect(after.heapUsedBytes).toBeLessThan(before.heapUsedBytes + 32 * MiB);
    figure(
      `hostile WebSocket, messages: ${count(sent)} generated messages on 4 connections → ` +
        `${count(received)} answers, errors ${[...codes]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ×${count(n)}`)
          .join(', ')}; ` +
        `0 closed; afterwards connections 0, bus subscriptions ${after.busSubscriptions} (before ` +
        `${before.busSubscriptions}), live heap ${(before.heapUsedBytes / MiB).toFixed(1)} → ` +
        `${(peak.heapUsedBytes / MiB).toFixed(1)} (open) → ${(after.heapUsedBytes / MiB).toFixed(1)} MiB`,
    );
  });
});

/** Messages from valid to hostile: every type, every field, bent. */
function messageArbitrary(jobId: string): fc.Arbitrary<string> {
  const topic = fc.oneof(
    fc.constantFrom(
      `job:${jobId}`,
      'jobs',
      'chat:lobby',
      'chat:x',
      `job:${jobId.toUpperCase()}`,
      'job:',
      'chat:',
      'chat:a b',
      'weather',
      '',
    ),
    fc.string({ maxLength: 140 }),
    fc.uuid().map((id) => `job:${id}`),
  );
  const id = fc.oneof(fc.string({ maxLength: 70 }), fc.integer(), fc.double(), fc.constant(null));
  const value = fc.jsonValue({ maxDepth: 3 });
  const valid = fc.oneof(
    fc.record(
      {
        type: fc.constant('subscribe'),
        topic,
        after: fc.oneof(fc.integer({ min: -2, max: 500 }), value),
        name: fc.string({ maxLength: 50 }),
        id,
      },
      { requiredKeys: ['type', 'topic'] },
    ),
    fc.record({ type: fc.constant('unsubscribe'), topic, id }, { requiredKeys: ['type', 'topic'] }),
    fc.record(
      { type: fc.constant('publish'), topic, data: value, id },
      { requiredKeys: ['type', 'topic'] },
    ),
    fc.record(
      { type: fc.constant('credit'), n: fc.oneof(fc.integer(), value), id },
      { requiredKeys: ['type'] },
    ),
    fc.record({ type: fc.oneof(fc.string(), value), extra: value }, { requiredKeys: [] }),
  );
  const deep = fc
    .integer({ min: 1000, max: 30_000 })
    .map(
      (depth) =>
        `{"type":"publish","topic":"chat:lobby","data":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    );
  return fc.oneof(
    { weight: 12, arbitrary: valid.map((m) => JSON.stringify(m)) },
    { weight: 3, arbitrary: fc.json() },
    { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
    { weight: 1, arbitrary: deep },
  );
}

/** The status codes carried by the close frames a generated sequence sent. */
function sentCloseCodes(specs: readonly { opcode: number; payload: Buffer }[]): number[] {
  return specs
    .filter((s) => s.opcode === CLOSE && s.payload.length >= 2)
    .map((s) => s.payload.readUInt16BE(0));
}

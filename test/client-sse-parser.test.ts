/**
 * The SDK's event-stream parser against the WHATWG rules, fed the way fetch hands a body over:
 * in chunks that may split a line, a CRLF or a UTF-8 character anywhere.
 */
import { describe, expect, it } from 'vitest';
import { SseParser, type SseItem } from '../src/client/sse-parser.js';
import { formatEvent, formatHeartbeatInterval, formatRetry } from '../src/model/sse-frame.js';

const bytes = (text: string) => new TextEncoder().encode(text);

function parseChunks(chunks: readonly Uint8Array[]): SseItem[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

const parse = (text: string) => parseChunks([bytes(text)]);

/** Every rule at least once: BOM, all three line ends, comments, multi-byte UTF-8, NUL ids. */
const SAMPLE =
  '\uFEFFretry: 2500\r\n' +
  ': heartbeat-ms 200\r\n\r\n' +
  'id: 1\nevent: progress\ndata: {"p":"é"}\n\n' +
  'data: one\rdata:two\r\ndata:  three\n\r' +
  ':heartbeat\n\n' +
  'id: 2\0x\nevent: reset\ndata: 😀\n\n' +
  'id\ndata\n\n' +
  'event: lost\nunknown: field\n\n' +
  'retry: 1e3\nretry: 100\n\n' +
  'id: 9\ndata: never dispatched';

const SAMPLE_ITEMS: SseItem[] = [
  { kind: 'retry', ms: 2500 },
  { kind: 'comment', text: 'heartbeat-ms 200' },
  { kind: 'event', event: 'progress', data: '{"p":"é"}', id: '1' },
  // Only one leading space is removed; the id carries over to events without one.
  { kind: 'event', event: 'message', data: 'one\ntwo\n three', id: '1' },
  { kind: 'comment', text: 'heartbeat' },
  // An id containing NUL is ignored: the event keeps the previous one.
  { kind: 'event', event: 'reset', data: '😀', id: '1' },
  // Fields without a colon: an empty id (which clears it) and an empty data line.
  { kind: 'event', event: 'message', data: '', id: '' },
  { kind: 'retry', ms: 100 },
];

describe('SSE parser', () => {
  it('parses a stream that uses every rule', () => {
    expect(parse(SAMPLE)).toEqual(SAMPLE_ITEMS);
  });

  it('gives the same items whatever byte the body is split at', () => {
    const whole = bytes(SAMPLE);
    for (let at = 0; at <= whole.length; at++) {
      const items = parseChunks([whole.subarray(0, at), whole.subarray(at)]);
      expect(items, `split at byte ${at}`).toEqual(SAMPLE_ITEMS);
    }
    const oneByOne = Array.from(whole, (byte) => Uint8Array.of(byte));
    expect(parseChunks(oneByOne)).toEqual(SAMPLE_ITEMS);
  });

  it('treats a CRLF split across chunks as one line end, not a line end and a blank line', () => {
    expect(parseChunks([bytes('data: a\r'), bytes('\ndata: b\r\n\r\n')])).toEqual([
      { kind: 'event', event: 'message', data: 'a\nb', id: '' },
    ]);
    // A chunk that completes no character (half of "é") does not lose the pending CR.
    const split = bytes('data: a\r\ndata: é\r\n\r\n');
    const cr = split.indexOf(0x0d) + 1;
    const midE = split.indexOf(0xc3) + 1;
    expect(
      parseChunks([split.subarray(0, cr), split.subarray(cr, midE), split.subarray(midE)]),
    ).toEqual([{ kind: 'event', event: 'message', data: 'a\né', id: '' }]);
    // A CR alone is a line end, and a second one a blank line.
    expect(parseChunks([bytes('data: x\r'), bytes('\r')])).toEqual([
      { kind: 'event', event: 'message', data: 'x', id: '' },
    ]);
  });

  it('drops one leading BOM only, and replaces invalid UTF-8', () => {
    expect(parse('\uFEFFdata: a\n\n')).toEqual([
      { kind: 'event', event: 'message', data: 'a', id: '' },
    ]);
    // A second BOM is part of the first field's name, which is then unknown.
    expect(parse('\uFEFF\uFEFFdata: a\n\ndata: b\n\n')).toEqual([
      { kind: 'event', event: 'message', data: 'b', id: '' },
    ]);
    expect(parseChunks([Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a)])).toEqual([
      { kind: 'event', event: 'message', data: '\uFFFD', id: '' },
    ]);
  });

  it('surfaces comments with one leading space removed, and skips blocks without data', () => {
    expect(parse(': heartbeat\n:  two\n:\n\nevent: x\nid: 4\n\n')).toEqual([
      { kind: 'comment', text: 'heartbeat' },
      { kind: 'comment', text: ' two' },
      { kind: 'comment', text: '' },
    ]);
  });

  it('reads what the server writes', () => {
    const stream =
      formatRetry(3000) +
      formatHeartbeatInterval(15_000) +
      formatEvent({ id: '3', event: 'succeeded', data: '{"a":1}\n{"b":2}' });
    expect(parse(stream)).toEqual([
      { kind: 'retry', ms: 3000 },
      { kind: 'comment', text: 'heartbeat-ms 15000' },
      { kind: 'event', event: 'succeeded', data: '{"a":1}\n{"b":2}', id: '3' },
    ]);
  });
});

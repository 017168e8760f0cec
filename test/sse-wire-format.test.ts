import { describe, expect, it } from 'vitest';
import { formatCursorList, parseCursorList, parseSeqId } from '../src/transports/sse-cursor.js';
import {
  formatComment,
  formatEvent,
  formatHeartbeatInterval,
  formatRetry,
} from '../src/model/sse-frame.js';
import { parseEventStream } from './helpers/sse.js';

const A = '3f1c2a9e-8b7d-4c1e-9f2a-5b6c7d8e9f01';
const B = '00000000-0000-4000-8000-000000000001';

describe('SSE framing', () => {
  it('splits data on every kind of line break, so clients rebuild it exactly', () => {
    const data = 'one\ntwo\r\nthree\rfour';
    const frame = formatEvent({ id: '7', event: 'progress', data });
    expect(frame).toBe('id: 7\nevent: progress\ndata: one\ndata: two\ndata: three\ndata: four\n\n');
    expect(parseEventStream(frame).events).toEqual([
      { id: '7', event: 'progress', data: 'one\ntwo\nthree\nfour' },
    ]);
    expect(formatEvent({ id: '1', event: 'queued', data: '' })).toBe(
      'id: 1\nevent: queued\ndata: \n\n',
    );
  });

  it('refuses ids, event names and comments that would break the stream', () => {
    expect(() => formatEvent({ id: '1\n', event: 'x', data: '' })).toThrow(/line break/);
    expect(() => formatEvent({ id: '1', event: 'a\rb', data: '' })).toThrow(/line break/);
    expect(() => formatEvent({ id: '1\0', event: 'x', data: '' })).toThrow(/NUL/);
    expect(() => formatComment('a\nb')).toThrow(/line break/);
    expect(formatComment('heartbeat')).toBe(': heartbeat\n\n');
    expect(formatRetry(2500)).toBe('retry: 2500\n\n');
  });

  it('announces the heartbeat interval as a comment, which EventSource-style clients ignore', () => {
    const frame = formatHeartbeatInterval(15_000);
    expect(frame).toBe(': heartbeat-ms 15000\n\n');
    expect(parseEventStream(`retry: 3000\n\n${frame}`)).toEqual({
      events: [],
      comments: ['heartbeat-ms 15000'],
      retry: 3000,
    });
  });
});

describe('SSE cursors', () => {
  it('parses a single-job id, and rejects anything but a whole number', () => {
    expect(parseSeqId(undefined, 'Last-Event-ID')).toBeUndefined();
    expect(parseSeqId('', 'Last-Event-ID')).toBeUndefined();
    expect(parseSeqId('42', 'Last-Event-ID')).toBe(42);
    for (const bad of ['-1', '1.5', 'x', ' 1', '1234567890123456']) {
      expect(() => parseSeqId(bad, 'Last-Event-ID')).toThrow(/Last-Event-ID must be a seq/);
    }
  });

  it('round-trips a multiplexed id: own position first, then the others with a position', () => {
    const cursors = new Map([
      [A, 7],
      [B, 0],
    ]);
    expect(formatCursorList(B, 3, cursors)).toBe(`${B}:3,${A}:7`);
    expect(formatCursorList(A, 8, cursors)).toBe(`${A}:8`);
    expect([...parseCursorList(`${B}:3,${A}:7`, 'Last-Event-ID', 21)]).toEqual([
      [B, 3],
      [A, 7],
    ]);
  });

  it('rejects malformed or oversized multiplexed ids', () => {
    for (const bad of ['7', A, `${A}:x`, `nope:1`, `${A}:1,`, `${A}:1;${B}:2`]) {
      expect(() => parseCursorList(bad, 'after', 20)).toThrow(/after must be jobId:seq/);
    }
    expect(() => parseCursorList(`${A}:1,${B}:2`, 'after', 1)).toThrow(/at most 1/);
  });
});

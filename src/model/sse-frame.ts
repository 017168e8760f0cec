/**
 * The server-sent events wire format (WHATWG HTML, "Interpreting an event stream"): UTF-8 text,
 * one `field: value` per line, a blank line ends an event. Lines starting with `:` are comments
 * that clients ignore, which makes them the heartbeat. A line break inside a value would end
 * the field early, so data is split into one `data:` line per line (the client joins them back
 * with "\n"), and ids and event names must never contain one.
 *
 * Every stream also starts by announcing its heartbeat interval in a comment
 * (`: heartbeat-ms 15000`): clients that read comments (the SDK) size their silence timer from
 * it, and EventSource ignores it like any comment.
 */
const LINE_BREAK = /\r\n|\r|\n/;

export interface SseFrame {
  id: string;
  event: string;
  data: string;
}

export function formatEvent(frame: SseFrame): string {
  assertSingleLine('id', frame.id);
  assertSingleLine('event', frame.event);
  // A NUL in the id makes clients ignore the whole id field, and resume would silently break.
  if (frame.id.includes('\0')) throw new Error('an SSE id cannot contain NUL');
  const data = frame.data
    .split(LINE_BREAK)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `id: ${frame.id}\nevent: ${frame.event}\n${data}\n`;
}

/** How long the client waits before reconnecting after the stream drops. */
export function formatRetry(ms: number): string {
  return `retry: ${Math.round(ms)}\n\n`;
}

/**
 * The comment that names the heartbeat interval. The client SDK imports this word (in browsers
 * too), which is why this file imports nothing.
 */
export const HEARTBEAT_INTERVAL_COMMENT = 'heartbeat-ms';

/** `: heartbeat-ms <ms>`: at most this long passes without a write while the stream is open. */
export function formatHeartbeatInterval(ms: number): string {
  return formatComment(`${HEARTBEAT_INTERVAL_COMMENT} ${Math.round(ms)}`);
}

export function formatComment(text: string): string {
  assertSingleLine('comment', text);
  return `: ${text}\n\n`;
}

function assertSingleLine(field: string, value: string): void {
  if (LINE_BREAK.test(value)) throw new Error(`an SSE ${field} cannot contain a line break`);
}

/**
 * An incremental parser of `text/event-stream` bodies, by the rules of WHATWG HTML
 * ("Interpreting an event stream"), for readers that get the body in arbitrary chunks (fetch).
 * Unlike EventSource it also hands over comments and `retry:`, because the SDK reads the
 * server's `: heartbeat-ms <ms>` announcement and needs to see heartbeats arrive.
 *
 * Pure: bytes in, items out; no I/O, no timers.
 */

export type SseItem =
  /** A dispatched event. `id` is the last event id so far (it carries over, as in EventSource). */
  | { kind: 'event'; event: string; data: string; id: string }
  /** A comment line, without its colon and one leading space. */
  | { kind: 'comment'; text: string }
  /** A `retry:` field with a valid value (digits only). */
  | { kind: 'retry'; ms: number };

const LF = 0x0a;
const CR = 0x0d;

export class SseParser {
  // The default decoder replaces invalid bytes with U+FFFD, keeps a character split across
  // chunks until its last byte comes (`stream: true`), and drops a leading BOM, which is what
  // the spec asks for.
  readonly #decoder = new TextDecoder('utf-8');
  /** The start of a line whose end has not arrived yet. */
  #partial = '';
  /** The previous chunk ended in CR: a LF at the start of this one belongs to that line end. */
  #afterCr = false;
  #data = '';
  #hasData = false;
  #event = '';
  #lastEventId = '';

  /** Parses the next chunk of the body; returns what it completed, in order. */
  push(chunk: Uint8Array): SseItem[] {
    const text = this.#decoder.decode(chunk, { stream: true });
    const items: SseItem[] = [];
    let start = 0;
    if (this.#afterCr && text.length > 0) {
      this.#afterCr = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code !== LF && code !== CR) continue;
      this.#line(this.#partial + text.slice(start, i), items);
      this.#partial = '';
      if (code === CR) {
        if (i + 1 === text.length) this.#afterCr = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
    }
    this.#partial += text.slice(start);
    return items;
  }

  #line(line: string, items: SseItem[]): void {
    if (line === '') {
      this.#dispatch(items);
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) {
      items.push({ kind: 'comment', text: withoutLeadingSpace(line.slice(1)) });
      return;
    }
    // A line without a colon is a field name with an empty value.
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : withoutLeadingSpace(line.slice(colon + 1));
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data += `${value}\n`;
        this.#hasData = true;
        break;
      case 'id':
        // An id with NUL is ignored as a whole: a reconnect could not send it back intact.
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) items.push({ kind: 'retry', ms: Number(value) });
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  /** A blank line: an event with data is complete; one without any is dropped. */
  #dispatch(items: SseItem[]): void {
    if (this.#hasData) {
      items.push({
        kind: 'event',
        event: this.#event === '' ? 'message' : this.#event,
        data: this.#data.slice(0, -1),
        id: this.#lastEventId,
      });
    }
    this.#data = '';
    this.#hasData = false;
    this.#event = '';
  }
}

function withoutLeadingSpace(value: string): string {
  return value.startsWith(' ') ? value.slice(1) : value;
}

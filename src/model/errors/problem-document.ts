/**
 * The body of every error answer: an RFC 9457 problem document whose `code` is in the
 * catalogue. Types only, so the client SDK shares it without pulling in the server.
 */
import type { ErrorCode } from './catalogue.js';

export interface ProblemDocument {
  /** `/errors/<code>`: what the code means. */
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  /** Extensions such as `errors` (bad fields) or `knownTypes`. */
  [extension: string]: unknown;
}

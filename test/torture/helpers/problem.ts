/** What every error answer must be: a problem document whose code is in the catalogue. */
import { expect } from 'vitest';
import { ERROR_CATALOGUE, type ErrorCode } from '../../../src/model/errors/catalogue.js';

export function isCatalogueCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);
}

/** Asserts an HTTP answer is not a 5xx and, if an error, a catalogue problem; returns its code. */
export function expectCatalogueAnswer(
  status: number,
  contentType: string | null,
  body: string,
  context: string,
): ErrorCode | undefined {
  expect(status, context).toBeLessThan(500);
  if (status < 400) return undefined;
  expect(contentType ?? '(none)', context).toMatch(/^application\/problem\+json/);
  if (body === '') return undefined; // HEAD: the headers of the problem, no body
  const problem = JSON.parse(body) as { code?: unknown; status?: unknown };
  expect(isCatalogueCode(problem.code), `${context}: ${body}`).toBe(true);
  const code = problem.code as ErrorCode;
  expect(problem.status, context).toBe(status);
  expect(ERROR_CATALOGUE[code].status, context).toBe(status);
  return code;
}

/**
 * The first response's content type and body in a raw HTTP exchange (by its Content-Length).
 * An answer to HEAD has none, whatever its Content-Length says: what follows its headers is
 * the next response.
 */
export function rawBody(
  text: string,
  toHead = false,
): { contentType: string | null; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const contentType = /\r\ncontent-type: ([^\r\n]+)/i.exec(head)?.[1] ?? null;
  const length = toHead ? 0 : Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
  return { contentType, body: end < 0 ? '' : text.slice(end + 4, end + 4 + length) };
}

/**
 * The OpenAPI document is the contract: it is a valid OpenAPI 3.1 document, it names what
 * clients generated from it need (operationIds, servers, media types, headers), and the checker
 * every other test runs through (test/helpers/contract/) refuses responses it does not describe.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { OpenApiContract, type OpenApiDocument } from './helpers/contract/openapi-contract.js';
import { json } from './helpers/http.js';
import { rawRequest } from './helpers/raw-http.js';
import { startTestServer } from './helpers/test-server.js';

interface Operation {
  operationId?: string;
  requestBody?: { required?: boolean };
  responses: Record<string, { content?: Record<string, unknown>; headers?: object }>;
}
type Document = OpenApiDocument & {
  servers?: unknown[];
  paths: Record<string, Record<string, Operation>>;
};

async function documentOf(url: string): Promise<Document> {
  return json<Document>(await fetch(`${url}/openapi.json`));
}

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const { url } = await startTestServer();
    const validator = new Validator();
    const result = await validator.validate(
      (await documentOf(url)) as unknown as Record<string, unknown>,
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('gives every operation an operationId and documents errors as problem details', async () => {
    const doc = await documentOf((await startTestServer()).url);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        // A health check that fails still answers with its health document.
        if (Number(status) < 400 || (path.startsWith('/healthz') && status === '503')) continue;
        expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual([
          'application/problem+json',
        ]);
      }
      expect(Object.keys(op.responses), `${method} ${path}`).toContain('500');
    }
  });

  it('documents 401 and 503 on every authenticated operation, 429 where limits apply', async () => {
    const doc = await documentOf((await startTestServer()).url);
    const guarded = ['/jobs', '/jobs/{id}', '/check-status', '/submit', '/events', '/stats'];
    for (const path of guarded) {
      for (const op of Object.values(doc.paths[path] ?? {})) {
        expect(Object.keys(op.responses), path).toEqual(expect.arrayContaining(['401', '503']));
        expect(op.responses['401']?.headers, path).toHaveProperty('www-authenticate');
      }
    }
    for (const [path, method] of [
      ['/jobs', 'post'],
      ['/submit', 'post'],
      ['/jobs/{id}', 'get'],
      ['/jobs/{id}/events', 'get'],
      ['/events', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.responses['429']?.headers, path).toHaveProperty(
        'retry-after',
      );
    }
  });

  it('is as strict as the server: optional /submit body, job types, Last-Event-ID, SSE', async () => {
    const doc = await documentOf((await startTestServer()).url);
    expect(doc.paths['/submit']?.post?.requestBody?.required).toBe(false);
    const body = doc.paths['/jobs']?.post?.requestBody as {
      content: { 'application/json': { schema: { properties: { type: { enum: string[] } } } } };
    };
    expect(body.content['application/json'].schema.properties.type.enum).toEqual(
      expect.arrayContaining(['demo', 'primes', 'hash-file']),
    );
    const stream = doc.paths['/jobs/{id}/events']?.get;
    expect(Object.keys(stream?.responses['200']?.content ?? {})).toEqual(['text/event-stream']);
    const header = (
      stream as unknown as { parameters: { name: string; schema: object }[] }
    ).parameters.find((p) => p.name === 'last-event-id');
    expect(header?.schema).toHaveProperty('pattern');
    expect(doc.paths['/ws']?.get?.responses).toHaveProperty('101');
    expect(doc.paths['/jobs/{id}']?.get?.responses['200']?.headers).toHaveProperty('etag');
  });
});

describe('the response checker', () => {
  it('refuses a status, header, content type or body the document does not describe', async () => {
    const contract = new OpenApiContract(await documentOf((await startTestServer()).url));
    const response = (status: number, headers: Record<string, string>, body: unknown) => ({
      method: 'GET',
      path: '/jobs/3f1c2a9e-8b7d-4c1e-9f2a-5b6c7d8e9f01',
      status,
      headers: new Headers(headers),
      body: JSON.stringify(body),
    });
    const problem = { type: '/errors/x', title: 'X', status: 404, detail: 'x', code: 'x' };
    const problemType = { 'content-type': 'application/problem+json' };
    expect(contract.check(response(404, problemType, problem))).toEqual([]);
    expect(contract.check(response(418, problemType, problem))).toEqual([
      expect.stringContaining('the status is not documented'),
    ]);
    expect(contract.check(response(404, { 'content-type': 'application/json' }, problem))).toEqual([
      expect.stringContaining('content type application/json is not documented'),
    ]);
    expect(contract.check(response(404, { ...problemType, location: '/x' }, problem))).toEqual([
      expect.stringContaining('header location is not documented'),
    ]);
    expect(contract.check(response(404, problemType, { code: 'x' }))).toEqual([
      expect.stringContaining('does not match the schema'),
    ]);
  });
});

describe('unsupported methods', () => {
  it('answer 405 with Allow as problem details (TRACE, QUERY, DELETE), unknown paths 404', async () => {
    const { url } = await startTestServer();
    for (const method of ['TRACE', 'QUERY']) {
      const raw = await rawRequest(url, [
        `${method} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ]);
      expect(raw.status, method).toBe(405);
      expect(raw.headers).toMatch(/^allow: GET, HEAD$/im);
      expect(raw.headers).toMatch(/^content-type: application\/problem\+json/im);
      expect(JSON.parse(raw.body)).toMatchObject({ status: 405, code: 'method_not_allowed' });
    }
    const del = await fetch(`${url}/jobs/3f1c2a9e-8b7d-4c1e-9f2a-5b6c7d8e9f01/events`, {
      method: 'DELETE',
    });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    const put = await fetch(`${url}/jobs`, { method: 'PUT' });
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await fetch(`${url}/nope`, { method: 'PUT' })).status).toBe(404);
  });
});

/**
 * Checks one HTTP response against the OpenAPI document the server serves: the operation must
 * document its status, its content type, the headers it carries, and its body must match the
 * schema. The schemas are checked with Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export interface RecordedResponse {
  method: string;
  /** The request path, without the query string. */
  path: string;
  status: number;
  headers: Headers;
  /** The body as text; undefined for a stream the check does not read (text/event-stream). */
  body: string | undefined;
}

interface MediaType {
  schema?: unknown;
}
interface ResponseEntry {
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}
interface Operation {
  responses: Record<string, ResponseEntry>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/** Headers whose presence the document must announce wherever the server sends them. */
export const DOCUMENTED_HEADERS = [
  'etag',
  'retry-after',
  'long-poll-outcome',
  'location',
  'idempotent-replayed',
  'www-authenticate',
  'allow',
] as const;

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

export class OpenApiContract {
  readonly #doc: OpenApiDocument;
  readonly #paths: { template: string; pattern: RegExp; literal: number }[];
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDocument) {
    this.#doc = doc;
    this.#paths = Object.keys(doc.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(
          `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
        ),
        literal: template.replace(/\{[^}]+\}/g, '').length,
      }))
      // A literal path wins over a template that also matches it.
      .sort((a, b) => b.literal - a.literal);
    this.#ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats.default(this.#ajv);
    this.#ajv.addSchema(doc, 'openapi');
  }

  /** The document's path template for `path`, if it documents one. */
  templateOf(path: string): string | undefined {
    return this.#paths.find((p) => p.pattern.test(path))?.template;
  }

  /** What is wrong with `response`; empty when the document describes it. */
  check(response: RecordedResponse): string[] {
    const template = this.templateOf(response.path);
    if (template === undefined) return [];
    // HEAD answers as GET does, without a body; preflights are CORS's, not the API's.
    const method = response.method === 'HEAD' ? 'get' : response.method.toLowerCase();
    if (method === 'options') return [];
    const where = `${response.method} ${template} → ${response.status}`;
    const operation = this.#doc.paths[template]?.[method];
    if (operation === undefined) {
      return response.status === 405 ? [] : [`${where}: the method is not documented`];
    }
    const status = String(response.status);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => k in operation.responses);
    if (key === undefined) return [`${where}: the status is not documented`];
    const entry = operation.responses[key] ?? {};
    const problems: string[] = [];
    for (const header of DOCUMENTED_HEADERS) {
      const documented = Object.keys(entry.headers ?? {}).some((h) => h.toLowerCase() === header);
      if (response.headers.has(header) && !documented) {
        problems.push(`${where}: header ${header} is not documented`);
      }
    }
    const contentType = response.headers.get('content-type')?.split(';', 1)[0]?.trim();
    const hasBody = response.body === undefined || response.body.length > 0;
    if (entry.content === undefined) {
      if (hasBody && response.method !== 'HEAD') {
        problems.push(`${where}: a body (${contentType}) where the document describes none`);
      }
      return problems;
    }
    if (!hasBody || response.method === 'HEAD') return problems;
    if (contentType === undefined || !(contentType in entry.content)) {
      const documented = Object.keys(entry.content).join(', ');
      problems.push(`${where}: content type ${contentType} is not documented (${documented})`);
      return problems;
    }
    if (response.body === undefined || !/[/+]json$/.test(contentType)) return problems;
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      problems.push(`${where}: the ${contentType} body is not JSON`);
      return problems;
    }
    const validate = this.#validator(template, method, key, contentType);
    if (!validate(body)) {
      const errors = (validate.errors ?? [])
        .map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
        .join('; ');
      problems.push(`${where}: the body does not match the schema: ${errors}`);
    }
    return problems;
  }

  #validator(template: string, method: string, status: string, media: string): ValidateFunction {
    const ref = `openapi#/${pointer('paths', template, method, 'responses', status, 'content', media, 'schema')}`;
    let validate = this.#validators.get(ref);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: ref });
      this.#validators.set(ref, validate);
    }
    return validate;
  }
}

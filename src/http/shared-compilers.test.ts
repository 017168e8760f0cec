import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { sharedCompilers } from './shared-compilers.js';

const Shared = { $id: 'Thing', type: 'object', properties: { name: { type: 'string' } } };
const route = (schema: unknown) => ({ method: 'GET', url: '/x', httpStatus: '200', schema });

describe('shared response serializers', () => {
  it('compile a schema once per process for the same shared schemas and options', () => {
    const schema = { type: 'object', properties: { thing: { $ref: 'Thing#' } } };
    const first = sharedCompilers.buildSerializer({ Thing: Shared }, {})(route(schema));
    // Another app: new objects with the same text get the same serializer.
    const again = sharedCompilers.buildSerializer(
      structuredClone({ Thing: Shared }),
      {},
    )(route(structuredClone(schema)));
    expect(again).toBe(first);
    expect(first({ thing: { name: 'a', secret: 1 } })).toBe('{"thing":{"name":"a"}}');
  });

  it('compile again when the schema, the shared schemas or the options differ', () => {
    const schema = { type: 'object', properties: { thing: { $ref: 'Thing#' } } };
    const base = sharedCompilers.buildSerializer({ Thing: Shared }, {})(route(schema));
    const otherShared = { ...Shared, properties: { label: { type: 'string' } } };
    const withOther = sharedCompilers.buildSerializer({ Thing: otherShared }, {})(route(schema));
    expect(withOther).not.toBe(base);
    expect(withOther({ thing: { name: 'a', label: 'b' } })).toBe('{"thing":{"label":"b"}}');
    const otherSchema = { type: 'object', properties: { n: { type: 'integer' } } };
    expect(sharedCompilers.buildSerializer({ Thing: Shared }, {})(route(otherSchema))).not.toBe(
      base,
    );
    const rounding = sharedCompilers.buildSerializer({ Thing: Shared }, { rounding: 'ceil' });
    expect(rounding(route(otherSchema))({ n: 1.2 })).toBe('{"n":2}');
  });

  it('share validators too, which validate as Ajv does', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } };
    const options = { customOptions: { allErrors: true } };
    const validate = sharedCompilers.buildValidator({}, options);
    const first = validate({ schema, method: 'POST', url: '/a', httpPart: 'body' });
    const again = sharedCompilers.buildValidator(
      {},
      structuredClone(options),
    )({
      schema: structuredClone(schema),
      method: 'POST',
      url: '/b',
      httpPart: 'body',
    });
    expect(again).toBe(first);
    expect(first({ n: 2 })).toBe(true);
    expect(first({ n: 0 })).toBe(false);
  });

  it('refuse a header schema that names a header with capitals (Fastify lower-cases none)', async () => {
    const app = Fastify({ schemaController: { compilersFactory: sharedCompilers } });
    app.get(
      '/',
      {
        schema: {
          headers: { type: 'object', properties: { 'Idempotency-Key': { type: 'string' } } },
        },
      },
      async () => 'ok',
    );
    await expect(app.ready()).rejects.toThrow(/lower case, not 'Idempotency-Key'/);
  });

  it('serialize in two apps exactly as Fastify’s default compiler does', async () => {
    const build = (shared: boolean) => {
      const app = Fastify(
        shared ? { schemaController: { compilersFactory: sharedCompilers } } : {},
      );
      app.addSchema(Shared);
      app.get(
        '/',
        {
          schema: {
            response: { 200: { type: 'object', properties: { thing: { $ref: 'Thing#' } } } },
          },
        },
        async () => ({ thing: { name: 'n', extra: true }, dropped: 1 }),
      );
      return app;
    };
    const bodies = await Promise.all(
      [build(false), build(true), build(true)].map(async (app) => {
        const reply = await app.inject('/');
        await app.close();
        return reply.body;
      }),
    );
    expect(bodies).toEqual(Array(3).fill('{"thing":{"name":"n"}}'));
  });
});

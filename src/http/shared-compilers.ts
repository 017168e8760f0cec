/**
 * Response serializers shared by every app in the process. Fastify compiles each route's
 * response schemas with fast-json-stringify again for every instance it builds — most of a
 * server's start here, paid once more by each server a process creates (the test suites, an
 * application embedding several, a package user's own tests). A serializer depends only on
 * the schema, the shared schemas (`addSchema`) and the options, so it is kept by their JSON
 * text and reused.
 *
 * This is Fastify's own default compiler (the package it uses itself), only memoised: what is
 * sent does not change. Validators are left to Fastify: a custom validator compiler would turn
 * off its lower-casing of header schemas.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type BuildSerializer = NonNullable<CompilersFactory['buildSerializer']>;

/**
 * One compiler per (shared schemas, options), remembering what it compiled by the schema's
 * text. Serializers are pure functions, so apps can share them.
 */
function memoised<Options, Route extends { schema?: unknown }, Compiled>(
  build: (externalSchemas: unknown, options: Options) => (route: Route) => Compiled,
): (externalSchemas: unknown, options: Options) => (route: Route) => Compiled {
  const compilers = new Map<string, (route: Route) => Compiled>();
  return (externalSchemas, options) => {
    const key = JSON.stringify([externalSchemas, options]);
    let compiler = compilers.get(key);
    if (!compiler) {
      const compile = build(externalSchemas, options);
      const compiled = new Map<string, Compiled>();
      compiler = (route) => {
        const text = JSON.stringify(route.schema);
        if (!compiled.has(text)) compiled.set(text, compile(route));
        return compiled.get(text) as Compiled;
      };
      compilers.set(key, compiler);
    }
    return compiler;
  };
}

export const sharedCompilers = {
  buildSerializer: memoised(SerializerSelector()) as BuildSerializer,
} satisfies CompilersFactory;

/**
 * Schema compilers shared by every app in the process. Fastify compiles each route's
 * validators (Ajv) and response serializers (fast-json-stringify) again for every instance it
 * builds — most of a server's start here, paid once more by each server a process creates
 * (the test suites, an application embedding several, a package user's own tests). What they
 * compile depends only on the schema, the shared schemas (`addSchema`) and the options, so it
 * is kept by their JSON text and reused.
 *
 * These are Fastify's own default compilers (the packages it uses itself), only memoised: what
 * is accepted and sent does not change, with one condition. Given compilers of its own, Fastify
 * no longer lower-cases the names in header schemas (Node delivers header names in lower
 * case), so a header schema that names one otherwise is refused at start.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;

/**
 * One compiler per (shared schemas, options), remembering what it compiled by the schema's
 * text. Validators and serializers are pure functions, so apps can share them.
 */
function memoised<Shared, Options, Route extends { schema?: unknown }, Compiled>(
  build: (externalSchemas: Shared, options: Options) => (route: Route) => Compiled,
  check: (route: Route) => void = () => undefined,
): (externalSchemas: Shared, options: Options) => (route: Route) => Compiled {
  const compilers = new Map<string, (route: Route) => Compiled>();
  return (externalSchemas, options) => {
    const key = JSON.stringify([externalSchemas, options]);
    let compiler = compilers.get(key);
    if (!compiler) {
      const compile = build(externalSchemas, options);
      const compiled = new Map<string, Compiled>();
      compiler = (route) => {
        check(route);
        const text = JSON.stringify(route.schema);
        if (!compiled.has(text)) compiled.set(text, compile(route));
        return compiled.get(text) as Compiled;
      };
      compilers.set(key, compiler);
    }
    return compiler;
  };
}

/** Fails when a header schema names a header with capitals (see above). */
function checkHeaderNames(route: AjvCompiler.RouteDefinition): void {
  if (route.httpPart !== 'headers') return;
  const schema = route.schema as { properties?: Record<string, unknown> } | null;
  for (const name of Object.keys(schema?.properties ?? {})) {
    if (name !== name.toLowerCase()) {
      throw new Error(
        `${route.method} ${route.url}: a header schema names headers in lower case, not '${name}'`,
      );
    }
  }
}

/** Both compilers, present (Fastify's type has them optional). */
export interface SharedCompilers {
  buildValidator: NonNullable<CompilersFactory['buildValidator']>;
  buildSerializer: NonNullable<CompilersFactory['buildSerializer']>;
}

// Named, not inferred: the package's declarations must not reach into Ajv's own types.
export const sharedCompilers: SharedCompilers = {
  // One Ajv pool for the process (an Ajv per shared schemas and options), not one per app.
  buildValidator: memoised(AjvCompiler(), checkHeaderNames),
  buildSerializer: memoised(SerializerSelector()),
};

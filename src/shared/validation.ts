import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type BuildValidator = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>;
type Compile = (route: { schema: unknown; method: string; url: string; httpPart?: string }) => unknown;
type Factory = (externalSchemas: unknown, options: { customOptions: Record<string, unknown> }) => Compile;

/** The AJV compiler Fastify itself uses (its own dependency, resolved from Fastify's location). */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
const ajvCompiler = fastifyRequire('@fastify/ajv-compiler') as () => Factory;

const AJV_OPTIONS = { removeAdditional: false, allErrors: true, useDefaults: true };

/**
 * JSON-schema validation with type coercion only where the wire has no types: path parameters, query strings
 * and headers are text, so `?limit=10` and `/versions/3` become numbers there. A JSON body has real types and
 * is taken as sent: `{"enabled": null}` or `{"firstName": 42}` is a 400 naming the field, never quietly read
 * as false or "42". `null` passes only where a schema allows it (a field that can be cleared).
 */
export function partAwareValidator(): BuildValidator {
  const pool = ajvCompiler();
  const build: Factory = (externalSchemas) => {
    const coercing = pool(externalSchemas, { customOptions: { ...AJV_OPTIONS, coerceTypes: 'array' } });
    const strict = pool(externalSchemas, { customOptions: { ...AJV_OPTIONS, coerceTypes: false } });
    return (route) => lazyValidator(() => (route.httpPart === 'body' ? strict : coercing)(route) as AjvFunction);
  };
  return build as unknown as BuildValidator;
}

type AjvFunction = ((data: unknown) => unknown) & { errors?: unknown };

/**
 * A validator compiled on its first use rather than at start-up: compiling every route's schemas when the
 * server starts was most of its cold start (bench/cold-start.ts). Fastify reads `errors` from the function
 * it called after a failed check, so the wrapper carries the compiled function's errors.
 */
function lazyValidator(compile: () => AjvFunction): AjvFunction {
  let fn: AjvFunction | undefined;
  const wrapper: AjvFunction = (data) => {
    fn ??= compile();
    const ok = fn(data);
    wrapper.errors = fn.errors;
    return ok;
  };
  return wrapper;
}

type SerializerFactory = (externalSchemas: unknown, options: unknown) => (route: unknown) => (data: unknown) => string;
const serializerCompiler = fastifyRequire('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory };

/**
 * Fastify's response serializers (fast-json-stringify, from the route's response schema), each compiled on
 * the route's first response instead of at start-up. Serialising is unchanged.
 */
export function lazySerializer(): SerializerFactory {
  const selector = serializerCompiler.SerializerSelector();
  return (externalSchemas, options) => {
    const compile = selector(externalSchemas, options);
    return (route) => {
      let fn: ((data: unknown) => string) | undefined;
      return (data) => (fn ??= compile(route))(data);
    };
  };
}

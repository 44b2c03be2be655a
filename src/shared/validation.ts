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
    return (route) => (route.httpPart === 'body' ? strict : coercing)(route);
  };
  return build as unknown as BuildValidator;
}

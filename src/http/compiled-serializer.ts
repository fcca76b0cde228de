import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type RouteSchema = Parameters<typeof serializerCompiler>[0]['schema'];

/**
 * A route's serializer compiler that writes the answers with the given statuses through
 * fast-json-stringify, compiled once from the zod schema's JSON Schema, and every other answer as
 * the app does (zod, then JSON.stringify). For a hot answer of our own making — the public booking's
 * 201 (issue 13.4): zod's check of an object the route has just built, field by field, then a
 * generic JSON.stringify, cost more than the rest of the answer's serialisation. What it keeps: only
 * the schema's properties are written (others are dropped, as zod drops them), a missing required
 * property throws (a 500, as zod's refusal was).
 */
export function compiledSerializerFor<T>(statuses: readonly number[]): FastifySerializerCompiler<T> {
  // Fastify types the route option with the whole route schema; what it passes is one answer's.
  return (definition) => {
    const route = definition as unknown as FastifyRouteSchemaDef<RouteSchema>;
    if (!statuses.includes(Number(route.httpStatus))) return serializerCompiler(route);
    if (!(route.schema instanceof z.ZodType)) throw new TypeError(`${route.method} ${route.url}: not a zod schema`);
    return compileJsonStringify(route.schema);
  };
}

/** fast-json-stringify for what `schema` outputs. */
export function compileJsonStringify(schema: z.ZodType): (data: unknown) => string {
  // Inline: fast-json-stringify resolves "#/definitions/…" only within the schema it is given.
  const jsonSchema = z.toJSONSchema(schema, { io: 'output', reused: 'inline', target: 'draft-7' });
  return fastJson(jsonSchema as Parameters<typeof fastJson>[0]) as (data: unknown) => string;
}

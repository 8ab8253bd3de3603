import * as z from 'zod';
import type { RunResult } from '../protocol/messages.js';
import type { CreateRunRequest } from '../runs/run-request.js';
import type { OutputSpec } from '../structured/output-spec.js';

/**
 * Structured output with a zod schema on the client side: the schema goes to
 * the API as JSON Schema (`z.toJSONSchema`), and the run's `structuredOutput`
 * comes back parsed by the same schema, so its type is the schema's. The
 * server validates the answer too; parsing again here is what gives the type
 * (and applies the schema's transforms and defaults).
 */

/** `output` as the typed helpers take it: a zod object schema, alone or with the format's name and description. */
export type TypedOutput<Schema extends z.ZodType> = Schema | (Omit<OutputSpec, 'schema'> & { schema: Schema });

export type TypedRunRequest<Schema extends z.ZodType> = Omit<CreateRunRequest, 'output'> & { output: TypedOutput<Schema> };

export type TypedRunResult<Schema extends z.ZodType> = RunResult & { structuredOutput: z.output<Schema> };

// Every zod 4 schema carries `_zod`; checked by shape too, so a schema from the caller's own copy of zod counts.
const isZodSchema = (value: unknown): value is z.ZodType =>
  value instanceof z.ZodType || (typeof value === 'object' && value !== null && '_zod' in value && typeof (value as { parse?: unknown }).parse === 'function');

/** Whether a request's `output` is a zod schema (or carries one) rather than plain JSON Schema. */
export function hasZodOutput(request: { output?: unknown }): request is TypedRunRequest<z.ZodType> {
  const output = request.output;
  return isZodSchema(output) || (typeof output === 'object' && output !== null && isZodSchema((output as { schema?: unknown }).schema));
}

export function zodSchemaOf<Schema extends z.ZodType>(output: TypedOutput<Schema>): Schema {
  return isZodSchema(output) ? (output as Schema) : (output as { schema: Schema }).schema;
}

/** The request as the API takes it: the zod schema converted to JSON Schema (without `$schema`, which providers need not see). */
export function toWireRequest<Schema extends z.ZodType>(request: TypedRunRequest<Schema>): CreateRunRequest {
  const { output, ...rest } = request;
  const { $schema: _dialect, ...schema } = z.toJSONSchema(zodSchemaOf(output), { io: 'input' }) as Record<string, unknown>;
  const extra = isZodSchema(output) ? {} : (({ schema: _zod, ...options }) => options)(output as Exclude<TypedOutput<Schema>, Schema>);
  return { ...rest, output: { ...extra, schema } };
}

/** A run's result with its structured output parsed by the zod schema (throws a ZodError when it does not fit). */
export function parseTypedResult<Schema extends z.ZodType>(result: RunResult, schema: Schema): TypedRunResult<Schema> {
  return { ...result, structuredOutput: schema.parse(result.structuredOutput) };
}

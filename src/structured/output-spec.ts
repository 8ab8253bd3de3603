import { z } from 'zod';

/**
 * What a run's final answer must look like (`POST /v1/runs` `output`): a JSON
 * Schema for an object, as the Vercel AI SDK's `output` or the OpenAI Agents
 * SDK's `outputType`. It travels through workflow input, so it stays plain JSON.
 */

/** Serialized size bound: the schema goes with every model step's input, so history stays small. */
export const maxOutputSchemaChars = 32_000;

/** JSON Schema as zod reads it; undefined with the reason when zod cannot. */
export function readOutputSchema(schema: Record<string, unknown>): { ok: true; validator: z.ZodType } | { ok: false; message: string } {
  try {
    return { ok: true, validator: z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]) };
  } catch (error) {
    return { ok: false, message: `output.schema is not a JSON Schema runstream can read: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export const outputSpecSchema = z
  .object({
    schema: z
      .record(z.string(), z.unknown())
      .superRefine((schema, context) => {
        if (JSON.stringify(schema).length > maxOutputSchemaChars) {
          context.addIssue({ code: 'custom', message: `the schema must be at most ${maxOutputSchemaChars} characters of JSON` });
          return;
        }
        // Providers take an object at the top (OpenAI rejects anything else), and so a final answer is a JSON object.
        if (schema.type !== 'object') {
          context.addIssue({ code: 'custom', message: 'the schema must describe an object: { "type": "object", "properties": … }' });
          return;
        }
        const read = readOutputSchema(schema);
        if (!read.ok) context.addIssue({ code: 'custom', message: read.message });
      }),
    /** The format's name as providers want it (OpenAI: a-z, A-Z, 0-9, _ and -, at most 64). */
    name: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'name must be 1 to 64 letters, digits, _ or -')
      .optional(),
    description: z.string().max(2_000).optional(),
    /**
     * OpenAI's strict mode: the model is constrained to the schema, which must
     * then follow OpenAI's subset (every property required, no additional
     * properties). Off by default, so any schema zod reads is accepted;
     * runstream validates the answer either way.
     */
    strict: z.boolean().optional(),
  })
  .strict();

export type OutputSpec = z.infer<typeof outputSpecSchema>;

/** The default format name when the request gives none (the AI SDK uses the same). */
export const defaultOutputName = 'response';

import { z } from 'zod';
import type { ToolSpec } from '../providers/language-model.js';
import type { Tool, ToolContext, ToolRetry, ToolSource } from './tool.js';

export type ParsedArguments = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * A tool as a worker serves it, whatever its origin: JSON Schema parameters
 * for the model and the catalogue, a parser for the arguments, and the call.
 * Config and built-in tools are parsed by their zod schema; MCP tools leave
 * validation to their server.
 */
export interface ServedTool {
  name: string;
  description: string;
  source: ToolSource;
  parameters: Record<string, unknown>;
  retry: ToolRetry;
  timeoutMs?: number;
  needsApproval: boolean;
  parse(args: unknown): ParsedArguments;
  execute(args: unknown, context: ToolContext): Promise<unknown>;
}

/** The JSON Schema of a zod schema, as providers take it (no `$schema` key). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(schema) as Record<string, unknown>;
  return parameters;
}

export function serveTool(tool: Tool, source: 'builtin' | 'config'): ServedTool {
  return {
    name: tool.name,
    description: tool.description,
    source,
    parameters: jsonSchemaOf(tool.parameters),
    retry: tool.retry,
    ...(tool.timeoutMs === undefined ? {} : { timeoutMs: tool.timeoutMs }),
    needsApproval: tool.needsApproval !== undefined && tool.needsApproval !== false,
    parse: (args) => {
      const parsed = tool.parameters.safeParse(args);
      if (parsed.success) return { ok: true, value: parsed.data };
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`);
      return { ok: false, message: `invalid arguments: ${issues.join('; ')}` };
    },
    execute: (args, context) => tool.execute(args, context),
  };
}

export const toolSpec = (tool: ServedTool): ToolSpec => ({ name: tool.name, description: tool.description, parameters: tool.parameters });

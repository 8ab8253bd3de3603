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
  /** Whether some calls wait for a person (always, or by `requiresApproval`). */
  needsApproval: boolean;
  approvalTimeoutMs?: number;
  /** Whether this call, with these parsed arguments, waits for a person; absent: `needsApproval` says. */
  requiresApproval?(args: unknown): Promise<boolean>;
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
    ...(tool.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: tool.approvalTimeoutMs }),
    ...(typeof tool.needsApproval === 'function' ? { requiresApproval: functionOf(tool.needsApproval) } : {}),
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

/** A `needsApproval` function as the worker asks it: a throw means the call waits (asking is the safe side). */
function functionOf(needsApproval: (args: unknown) => boolean | Promise<boolean>): (args: unknown) => Promise<boolean> {
  return async (args) => {
    try {
      return (await needsApproval(args)) !== false;
    } catch {
      return true;
    }
  };
}

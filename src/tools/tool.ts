import { z } from 'zod';
import type { ToolSpec } from '../providers/language-model.js';

export interface ToolContext {
  runId: string;
  callId: string;
  /** Stable across retries of this call: run id + call id. Pass it to any side effect that dedupes. */
  idempotencyKey: string;
  /** Aborted when the run is cancelled or the worker shuts down. */
  signal: AbortSignal;
  /** Publishes a `tool.progress` event to the run's viewers. */
  progress: (progress: unknown) => void;
}

export interface Tool<Args = unknown> {
  name: string;
  description: string;
  parameters: z.ZodType<Args>;
  /**
   * How often a call may run when a worker dies around it: `idempotent` tools
   * are retried (they dedupe by `idempotencyKey`), `at-most-once` tools are
   * never retried and report the lost attempt to the model as an error.
   */
  retry: 'idempotent' | 'at-most-once';
  execute: (args: Args, context: ToolContext) => Promise<unknown>;
}

/** Keeps each tool's argument type checked against its schema at definition time. */
export function defineTool<Schema extends z.ZodType>(tool: Omit<Tool<z.infer<Schema>>, 'parameters'> & { parameters: Schema }): Tool {
  return tool as unknown as Tool;
}

export function toolSpec(tool: Tool): ToolSpec {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.parameters) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, parameters };
}

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(tools: Tool[] = []) {
    for (const tool of tools) this.register(tool);
  }

  register(tool: Tool): void {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) throw new Error(`invalid tool name "${tool.name}"`);
    if (this.tools.has(tool.name)) throw new Error(`tool "${tool.name}" is registered twice`);
    this.tools.set(tool.name, tool);
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }
}

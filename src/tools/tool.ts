import type { z } from 'zod';

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

/**
 * How often a call may run when a worker dies around it: `idempotent` tools
 * are retried (they dedupe by `idempotencyKey`), `at-most-once` tools are
 * never retried and report the lost attempt to the model as an error.
 */
export const toolRetryPolicies = ['idempotent', 'at-most-once'] as const;
export type ToolRetry = (typeof toolRetryPolicies)[number];

/** Where a tool comes from: shipped with runstream, the user's config, or an MCP server. */
export const toolSources = ['builtin', 'config', 'mcp'] as const;
export type ToolSource = (typeof toolSources)[number];

/** A tool as user code defines it (`defineTool`). */
export interface Tool<Args = unknown> {
  name: string;
  description: string;
  parameters: z.ZodType<Args>;
  retry: ToolRetry;
  /** Longest one call may take; becomes the tool activity's start-to-close timeout (default 10 minutes). */
  timeoutMs?: number;
  /**
   * Whether a call waits for a person's approval first: always, or depending on the (validated) arguments. The
   * function runs in the worker when the call is prepared, never in the workflow; if it throws, the call waits.
   */
  needsApproval?: boolean | ((args: Args) => boolean | Promise<boolean>);
  /** How long a call of this tool waits for a decision before it counts as denied (default 24 hours; a run's `approvalTimeoutMs` wins). */
  approvalTimeoutMs?: number;
  execute: (args: Args, context: ToolContext) => Promise<unknown>;
}

export type ToolDefinition<Schema extends z.ZodType> = Omit<Tool<z.infer<Schema>>, 'parameters'> & { parameters: Schema };

/** Keeps each tool's argument type checked against its schema at definition time. */
export function defineTool<Schema extends z.ZodType>(tool: ToolDefinition<Schema>): Tool {
  return tool as unknown as Tool;
}

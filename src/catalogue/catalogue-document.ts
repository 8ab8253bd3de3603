import { createHash } from 'node:crypto';
import { z } from 'zod';
import { modelSettingsSchema } from '../runs/model-settings.js';
import { outputSpecSchema } from '../structured/output-spec.js';
import { toolRetryPolicies, toolSources } from '../tools/tool.js';
import { webhookSpecSchema } from '../webhooks/webhook-spec.js';

/**
 * What one worker publishes: the tools and agents it serves and the state of
 * its MCP servers. The API reads it back from Redis, so it is parsed like any
 * outside input.
 */
export const catalogueToolSchema = z.object({
  name: z.string(),
  description: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  source: z.enum(toolSources),
  needsApproval: z.boolean(),
  retry: z.enum(toolRetryPolicies),
  timeoutMs: z.number().int().positive().optional(),
  approvalTimeoutMs: z.number().int().positive().optional(),
});
export type CatalogueTool = z.infer<typeof catalogueToolSchema>;

export const catalogueAgentSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  model: z.string().optional(),
  instructions: z.string().optional(),
  tools: z.array(z.string()).optional(),
  maxSteps: z.number().int().positive().optional(),
  output: outputSpecSchema.optional(),
  modelSettings: modelSettingsSchema.optional(),
  budget: z.record(z.string(), z.number()).optional(),
  webhook: webhookSpecSchema.optional(),
});

export const catalogueMcpServerSchema = z.object({
  name: z.string(),
  transport: z.enum(['http', 'stdio']),
  state: z.string(),
  tools: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  error: z.string().optional(),
});

export const catalogueDocumentSchema = z.object({
  tools: z.array(catalogueToolSchema),
  agents: z.array(catalogueAgentSchema),
  mcpServers: z.array(catalogueMcpServerSchema),
});
export type CatalogueDocument = z.infer<typeof catalogueDocumentSchema>;

/** JSON with object keys sorted, so equal definitions compare (and hash) equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const digestOf = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);

/** Redis keys of a task queue's catalogue: one hash of live workers, one immutable document per digest. */
// The task queue is the hash tag: the publish script writes the workers hash and a document together, so they share a cluster slot.
export const catalogueKeys = (prefix: string, taskQueue: string) => ({
  workers: `${prefix}catalogue:{${taskQueue}}:workers`,
  document: (digest: string) => `${prefix}catalogue:{${taskQueue}}:doc:${digest}`,
});

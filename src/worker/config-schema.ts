import { webhookSpecSchema } from '../webhooks/webhook-spec.js';
import { z } from 'zod';
import type { AgentDefinition, CatalogueAgent } from '../agents/agent.js';
import { mcpServerSchema, type McpServerConfig } from '../mcp/mcp-server-config.js';
import { parseModelName } from '../models.js';
import { modelSettingsIssues, modelSettingsSchema } from '../runs/model-settings.js';
import { approvalTimeoutSchema, maxStepsLimit, runBudgetSchema } from '../runs/run-request.js';
import { outputSpecSchema, type OutputSpec } from '../structured/output-spec.js';
import { builtinTools } from '../tools/builtin.js';
import { jsonSchemaOf } from '../tools/served-tool.js';
import type { Tool } from '../tools/tool.js';
import { toolRetryPolicies } from '../tools/tool.js';
import { isToolName, toolNameRule } from '../tools/tool-name.js';

/** What `runstream.config.ts` default-exports (`defineConfig`). */
export interface RunstreamConfig {
  tools?: Tool[];
  agents?: AgentDefinition[];
  mcpServers?: McpServerConfig[];
}

/** A config once validated: agents in catalogue form, ready for a worker. */
export interface ValidatedConfig {
  tools: Tool[];
  agents: CatalogueAgent[];
  mcpServers: McpServerConfig[];
}

// Zod 4 schemas carry `_zod`; checked by shape, so a schema from the config's own copy of zod counts.
const isZodSchema = (value: unknown): value is z.ZodType =>
  typeof value === 'object' && value !== null && '_zod' in value && typeof (value as { safeParse?: unknown }).safeParse === 'function';

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

const nameSchema = (kind: string) =>
  z.string().superRefine((name, context) => {
    if (!isToolName(name)) context.addIssue({ code: 'custom', message: `invalid ${kind} name "${name}" (${toolNameRule})` });
  });

const toolSchema = z
  .object({
    name: nameSchema('tool'),
    description: z.string().min(1, 'description must not be empty').max(10_000, 'description must be at most 10000 characters'),
    parameters: z.custom<z.ZodType>(isZodSchema, 'parameters must be a zod schema, e.g. z.object({ … })').superRefine((schema, context) => {
      try {
        if (jsonSchemaOf(schema).type !== 'object') context.addIssue({ code: 'custom', message: 'parameters must be an object schema: z.object({ … })' });
      } catch (error) {
        context.addIssue({ code: 'custom', message: `parameters cannot be described as JSON Schema: ${error instanceof Error ? error.message : String(error)}` });
      }
    }),
    execute: z.custom<Tool['execute']>(isFunction, 'execute must be a function (args, ctx) => result'),
    retry: z.enum(toolRetryPolicies, { message: 'retry must be "idempotent" or "at-most-once"' }),
    timeoutMs: z
      .number()
      .int('timeoutMs must be a whole number of milliseconds')
      .min(1_000, 'timeoutMs must be at least 1000')
      .max(86_400_000, 'timeoutMs must be at most 86400000 (a day)')
      .optional(),
    needsApproval: z
      .union([z.boolean(), z.custom(isFunction)], { message: 'needsApproval must be a boolean or a function of the arguments' })
      .optional(),
    approvalTimeoutMs: approvalTimeoutSchema.optional(),
  })
  .strict();

const agentSchema = z
  .object({
    name: nameSchema('agent'),
    description: z.string().max(10_000).optional(),
    model: z
      .string()
      .superRefine((model, context) => {
        const parsed = parseModelName(model);
        if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.message });
      })
      .optional(),
    instructions: z.string().max(100_000).optional(),
    tools: z.array(z.string()).max(128, 'an agent takes at most 128 tools (the providers\' limit)').optional(),
    maxSteps: z.number().int().min(1, 'maxSteps must be at least 1').max(maxStepsLimit, `maxSteps must be at most ${maxStepsLimit}`).optional(),
    output: z
      .unknown()
      .transform((value, context): OutputSpec | undefined => {
        if (value === undefined) return undefined;
        const spec = isZodSchema(value) ? { schema: jsonSchemaOf(value) } : value;
        const parsed = outputSpecSchema.safeParse(spec);
        if (parsed.success) return parsed.data;
        for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: issue.path.map(String) });
        return z.NEVER;
      })
      .optional(),
    modelSettings: modelSettingsSchema.optional(),
    webhook: webhookSpecSchema.optional(),
    budget: runBudgetSchema.optional(),
  })
  .strict();

/**
 * The whole config, cross-checked: names unique (and not a built-in's),
 * agents naming only tools some worker of this config serves, settings the
 * agent's model supports.
 */
export const configSchema = z
  .object({
    tools: z.array(toolSchema).optional(),
    agents: z.array(agentSchema).optional(),
    mcpServers: z.array(mcpServerSchema).optional(),
  })
  .strict()
  .superRefine((config, context) => {
    const builtin = new Set(builtinTools.map((tool) => tool.name));
    const seen = new Set<string>();
    config.tools?.forEach((tool, index) => {
      if (builtin.has(tool.name)) context.addIssue({ code: 'custom', path: ['tools', index, 'name'], message: `"${tool.name}" is a built-in tool's name` });
      else if (seen.has(tool.name)) context.addIssue({ code: 'custom', path: ['tools', index, 'name'], message: `duplicate tool name "${tool.name}"` });
      seen.add(tool.name);
    });
    const servers = new Set<string>();
    config.mcpServers?.forEach((server, index) => {
      if (servers.has(server.name)) context.addIssue({ code: 'custom', path: ['mcpServers', index, 'name'], message: `duplicate MCP server name "${server.name}"` });
      servers.add(server.name);
    });
    const known = (name: string) => builtin.has(name) || seen.has(name) || [...servers].some((server) => name.startsWith(`${server}_`));
    const agents = new Set<string>();
    config.agents?.forEach((agent, index) => {
      if (agents.has(agent.name)) context.addIssue({ code: 'custom', path: ['agents', index, 'name'], message: `duplicate agent name "${agent.name}"` });
      agents.add(agent.name);
      agent.tools?.forEach((name, toolIndex) => {
        if (known(name)) return;
        const mcp = servers.size > 0 ? `, or <server>_<tool> for MCP servers ${[...servers].join(', ')}` : '';
        context.addIssue({
          code: 'custom',
          path: ['agents', index, 'tools', toolIndex],
          message: `unknown tool "${name}"; known: ${[...builtin, ...seen].join(', ')}${mcp}`,
        });
      });
      if (agent.model) {
        for (const issue of modelSettingsIssues(agent.model, agent.modelSettings)) {
          context.addIssue({ code: 'custom', path: ['agents', index, ...issue.path.split('.')], message: issue.message });
        }
      }
    });
  });

/** Agents as the catalogue carries them: only the fields that are set. */
export function toValidatedConfig(parsed: z.infer<typeof configSchema>, raw: RunstreamConfig): ValidatedConfig {
  return {
    // The user's own objects: their execute and zod schemas, as written.
    tools: raw.tools ?? [],
    agents: (parsed.agents ?? []).map((agent) => Object.fromEntries(Object.entries(agent).filter(([, value]) => value !== undefined)) as unknown as CatalogueAgent),
    mcpServers: parsed.mcpServers ?? [],
  };
}

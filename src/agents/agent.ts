import type { z } from 'zod';
import type { ModelSettings } from '../providers/language-model.js';
import type { OutputSpec } from '../structured/output-spec.js';
import type { WebhookSpec } from '../webhooks/webhook-events.js';

/** Per-run limits an agent sets by default (`POST /v1/runs` `budget`); a request's own fields win. */
export interface RunBudget {
  maxTotalTokens?: number;
  maxOutputTokens?: number;
  maxToolCalls?: number;
  maxDurationMs?: number;
}

/** A named agent as user code defines it: the defaults of every run that names it (`agent` in `POST /v1/runs`). */
export interface AgentDefinition {
  name: string;
  description?: string;
  /** `provider:model`, as in a request; the API's default model when omitted. */
  model?: string;
  instructions?: string;
  /** Catalogue names (config, built-in or MCP tools). Omitted: the agent has no tools. */
  tools?: string[];
  maxSteps?: number;
  /** The final answer must match this: a zod schema, or `{ schema }` with a JSON Schema as in a request. */
  output?: z.ZodType | OutputSpec;
  modelSettings?: ModelSettings;
  /** Limits every run of this agent stops at (README "Budgets"); a request's own fields win. */
  budget?: RunBudget;
  /** Signed webhooks for every run of this agent that names none of its own. */
  webhook?: WebhookSpec;
}

export function defineAgent<const Agent extends AgentDefinition>(agent: Agent): Agent {
  return agent;
}

/**
 * An agent as the catalogue carries it: plain JSON (output as JSON Schema),
 * what the API merges into a run's workflow input.
 */
export interface CatalogueAgent {
  name: string;
  description?: string;
  model?: string;
  instructions?: string;
  tools?: string[];
  maxSteps?: number;
  output?: OutputSpec;
  modelSettings?: ModelSettings;
  budget?: RunBudget;
  webhook?: WebhookSpec;
}

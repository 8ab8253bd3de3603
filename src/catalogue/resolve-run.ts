import type { CatalogueAgent } from '../agents/agent.js';
import type { ModelSettings } from '../providers/language-model.js';
import { mergeModelSettings, modelSettingsIssues } from '../runs/model-settings.js';
import type { CreateRunRequest, InputIssue } from '../runs/run-request.js';
import type { OutputSpec } from '../structured/output-spec.js';
import type { WebhookSpec } from '../webhooks/webhook-events.js';
import { builtinTools } from '../tools/builtin.js';
import type { ToolSettings } from '../../workflows/run-input.js';
import type { CatalogueView } from './catalogue-reader.js';

/** What a run is started with once its agent and the catalogue are applied. */
export interface ResolvedRun {
  agent?: string;
  model: string;
  instructions?: string;
  tools: string[];
  maxSteps: number;
  output?: OutputSpec;
  modelSettings?: ModelSettings;
  budget?: CatalogueAgent['budget'];
  /** Per-tool settings the workflow needs (activity timeouts, approvals), from the catalogue. */
  toolSettings?: Record<string, ToolSettings>;
  /** The request's own approval gate and wait (tools declared with `needsApproval` wait whatever this says). */
  requireApproval?: string[] | 'all';
  approvalTimeoutMs?: number;
  /** The request's webhook, else its agent's. */
  webhook?: WebhookSpec;
}

/** Why a request cannot start: 400 (bad input), 409 (workers disagree on a name), 503 (no worker is live yet). */
export type Refusal = { kind: 'invalid' | 'conflict' | 'unavailable'; issues: InputIssue[] };

/** The providers' limit on tools per request (OpenAI: 128). */
export const maxToolsPerRun = 128;

const list = (names: string[]) => names.map((name) => `"${name}"`).join(', ');

/**
 * Applies the request over its agent (the request's fields win; model
 * settings field by field) and checks every name against what live workers
 * serve. Without `tools` or an agent a run gets every tool the workers serve;
 * with no worker live yet, the built-in tools every worker serves, so such a
 * run can wait in the queue. Naming a tool or an agent needs a live worker to
 * say it exists.
 */
export function resolveRun(
  request: CreateRunRequest,
  view: CatalogueView,
  defaults: { model: string; maxSteps: number },
): { ok: true; value: ResolvedRun } | { ok: false; refusal: Refusal } {
  const noWorker = view.workers.length === 0;
  const unavailable = (path: string, what: string): Refusal => ({
    kind: 'unavailable',
    issues: [{ path, message: `no worker is live on task queue "${view.taskQueue}" yet to serve ${what}; start one (runstream worker) and retry` }],
  });
  const conflict = (path: string, kind: 'tool' | 'agent', name: string): Refusal | undefined => {
    const found = view.conflicts.find((candidate) => candidate.kind === kind && candidate.name === name);
    if (!found) return undefined;
    const workers = found.definitions.map((definition) => definition.workers.join(' + ')).join(' vs ');
    return { kind: 'conflict', issues: [{ path, message: `live workers serve different definitions of ${kind} "${name}" (${workers}); deploy one definition` }] };
  };

  let agent: CatalogueAgent | undefined;
  if (request.agent !== undefined) {
    const clash = conflict('agent', 'agent', request.agent);
    if (clash) return { ok: false, refusal: clash };
    agent = view.agents.get(request.agent)?.definition;
    if (!agent) {
      if (noWorker) return { ok: false, refusal: unavailable('agent', `agent "${request.agent}"`) };
      const known = [...view.agents.keys()];
      return {
        ok: false,
        refusal: { kind: 'invalid', issues: [{ path: 'agent', message: `unknown agent "${request.agent}"; ${known.length ? `available: ${known.join(', ')}` : 'the live workers serve no agents'}` }] },
      };
    }
  }

  const named = request.tools ?? agent?.tools;
  const path = request.tools === undefined && agent?.tools !== undefined ? 'agent' : 'tools';
  const tools = named ?? (agent ? [] : noWorker ? builtinTools.map((tool) => tool.name) : [...view.tools.keys()]);
  if (named && named.length > 0 && noWorker) return { ok: false, refusal: unavailable(path, `tools ${list(named)}`) };
  for (const name of named ?? []) {
    const clash = conflict(path, 'tool', name);
    if (clash) return { ok: false, refusal: clash };
  }
  const missing = (named ?? []).filter((name) => !view.tools.has(name));
  if (missing.length > 0) {
    const prefix = path === 'agent' ? `agent "${agent?.name}" names ` : '';
    const why = missing.map((name) => mcpHint(view, name)).filter(Boolean).join('; ');
    const message = `${prefix}unknown ${missing.length === 1 ? 'tool' : 'tools'} ${list(missing)}: not served by any live worker on task queue "${view.taskQueue}"${why ? ` (${why})` : ''}; served: ${[...view.tools.keys()].join(', ') || 'none'}`;
    return { ok: false, refusal: { kind: 'invalid', issues: [{ path, message }] } };
  }
  if (tools.length > maxToolsPerRun) {
    return {
      ok: false,
      refusal: { kind: 'invalid', issues: [{ path: 'tools', message: `${tools.length} tools is more than providers take (${maxToolsPerRun}); name the ones this run needs in tools, or use an agent` }] },
    };
  }

  const model = request.model ?? agent?.model ?? defaults.model;
  const modelSettings = mergeModelSettings(agent?.modelSettings, request.modelSettings);
  const settingsIssues = modelSettingsIssues(model, modelSettings);
  if (settingsIssues.length > 0) return { ok: false, refusal: { kind: 'invalid', issues: settingsIssues } };

  const notTools = Array.isArray(request.requireApproval) ? request.requireApproval.filter((name) => !tools.includes(name)) : [];
  if (notTools.length > 0) {
    const message = `requireApproval names ${notTools.length === 1 ? 'a tool' : 'tools'} this run does not have: ${list(notTools)}; the run's tools: ${tools.join(', ') || 'none'}`;
    return { ok: false, refusal: { kind: 'invalid', issues: [{ path: 'requireApproval', message }] } };
  }

  const toolSettings = Object.fromEntries(
    tools.flatMap((name) => {
      const definition = view.tools.get(name)?.definition;
      const settings: ToolSettings = {
        ...(definition?.timeoutMs === undefined ? {} : { timeoutMs: definition.timeoutMs }),
        ...(definition?.needsApproval ? { needsApproval: true } : {}),
        ...(definition?.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: definition.approvalTimeoutMs }),
      };
      return Object.keys(settings).length === 0 ? [] : [[name, settings]];
    }),
  );
  const instructions = request.instructions ?? agent?.instructions;
  const output = request.output ?? agent?.output;
  // Field by field, as model settings: a request that sets one limit keeps the agent's others.
  const budget = agent?.budget || request.budget ? { ...agent?.budget, ...request.budget } : undefined;
  const webhook = request.webhook ?? agent?.webhook;
  return {
    ok: true,
    value: {
      ...(agent ? { agent: agent.name } : {}),
      model,
      tools,
      maxSteps: request.maxSteps ?? agent?.maxSteps ?? defaults.maxSteps,
      ...(instructions === undefined ? {} : { instructions }),
      ...(output === undefined ? {} : { output }),
      ...(modelSettings === undefined ? {} : { modelSettings }),
      ...(budget === undefined ? {} : { budget }),
      ...(webhook === undefined ? {} : { webhook }),
      ...(Object.keys(toolSettings).length > 0 ? { toolSettings } : {}),
      ...(request.requireApproval === undefined ? {} : { requireApproval: request.requireApproval }),
      ...(request.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: request.approvalTimeoutMs }),
    },
  };
}

/** Why a tool named like an MCP server's may be missing: that server is not ready on the workers. */
function mcpHint(view: CatalogueView, name: string): string {
  const server = view.mcpServers.find((candidate) => name.startsWith(`${candidate.name}_`) && candidate.state !== 'ready');
  return server ? `MCP server "${server.name}" is ${server.state}${server.error ? `: ${server.error}` : ''}` : '';
}

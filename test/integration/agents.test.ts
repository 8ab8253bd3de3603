import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { defineAgent } from '../../src/agents/agent.js';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import type { ModelSettings } from '../../src/providers/language-model.js';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { defineTool } from '../../src/tools/tool.js';
import { configSchema, toValidatedConfig, type RunstreamConfig } from '../../src/worker/config-schema.js';
import { collect } from '../support/transcript-replay.js';
import { countWorkflowsOnQueue, postRunBody, registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const served = async (model: string) =>
  ((await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[]).filter((request) => request.model === model);

const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Finds an order by its number.',
  parameters: z.object({ orderId: z.string() }),
  retry: 'idempotent',
  timeoutMs: 4_000,
  execute: async ({ orderId }, ctx) => {
    ctx.progress({ stage: 'searching', orderId });
    await sleep(50);
    ctx.progress({ stage: 'found', orderId });
    return { orderId, status: 'shipped' };
  },
});

function config(model: string): RunstreamConfig {
  return {
    tools: [lookupOrder],
    agents: [
      defineAgent({
        name: 'support',
        description: 'Answers questions about orders.',
        model: `openai:${model}`,
        instructions: 'You are the support agent.',
        tools: ['lookup_order'],
        maxSteps: 4,
        modelSettings: { temperature: 0.2, maxOutputTokens: 300, seed: 11 },
      }),
    ],
  };
}

describe('named agents, config tools and model settings, end to end', () => {
  let stack: TestStack;
  let supportModel: string;
  beforeAll(async () => {
    supportModel = await registerScript({
      turns: [
        { text: 'Let me look.', toolCalls: [{ name: 'lookup_order', arguments: { orderId: '42' } }] },
        { text: 'Order 42 has shipped.' },
      ],
    });
    const raw = config(supportModel);
    stack = await startTestStack('agents', { config: toValidatedConfig(configSchema.parse(raw), raw) });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const api = (path: string) => fetch(`${stack.api.url}${path}`, { headers: { authorization: `Bearer ${testApiKey}` } }).then((response) => response.json());

  it('lists what the worker serves: GET /v1/tools and GET /v1/agents', async () => {
    const { tools, workers, conflicts } = (await api('/v1/tools')) as { tools: Record<string, unknown>[]; workers: number; conflicts: unknown[] };
    expect(workers).toBe(1);
    expect(conflicts).toEqual([]);
    expect(tools.map((tool) => [tool.name, tool.source])).toEqual([
      ['calculator', 'builtin'],
      ['current_time', 'builtin'],
      ['lookup_order', 'config'],
    ]);
    expect(tools[2]).toMatchObject({
      description: 'Finds an order by its number.',
      parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
      needsApproval: false,
      retry: 'idempotent',
      timeoutMs: 4_000,
    });
    const { agents } = (await api('/v1/agents')) as { agents: unknown[] };
    expect(agents).toEqual([
      {
        name: 'support',
        description: 'Answers questions about orders.',
        model: `openai:${supportModel}`,
        tools: ['lookup_order'],
        maxSteps: 4,
        modelSettings: { temperature: 0.2, maxOutputTokens: 300, seed: 11 },
        workers: 1,
      },
    ]);
  });

  it('runs an agent: its model, instructions, tools and settings; the request overrides; progress reaches viewers', async () => {
    const run = await stack.client.enqueue({ input: 'Where is order 42?', agent: 'support', modelSettings: { temperature: 0.7, stop: ['END'] } });
    const events: LoggedEvent[] = await collect(stack.client.subscribe(run.id));
    const types = events.map((entry) => entry.event.type);
    expect(types.at(-1)).toBe('run.completed');
    const started = events[0]?.event;
    const settings = { temperature: 0.7, maxOutputTokens: 300, stop: ['END'], seed: 11 };
    expect(started).toEqual({
      type: 'run.started',
      runId: run.id,
      at: expect.any(String),
      agent: 'support',
      model: `openai:${supportModel}`,
      tools: ['lookup_order'],
      maxSteps: 4,
      modelSettings: settings,
    });
    const progress = events.flatMap((entry) => (entry.event.type === 'tool.progress' ? [entry.event] : []));
    expect(progress.map((event) => [event.name, event.progress])).toEqual([
      ['lookup_order', { stage: 'searching', orderId: '42' }],
      ['lookup_order', { stage: 'found', orderId: '42' }],
    ]);
    const finished = events.find((entry) => entry.event.type === 'tool.finished')?.event;
    expect(finished).toMatchObject({ name: 'lookup_order', isError: false, result: { orderId: '42', status: 'shipped' } });

    // run.completed is published just before the workflow closes: wait for the close before reading the status.
    await stack.temporal.workflow.getHandle(run.id).result();
    const details = (await api(`/v1/runs/${run.id}`)) as Record<string, unknown>;
    expect(details).toMatchObject({ status: 'completed', agent: 'support', model: `openai:${supportModel}`, modelSettings: settings });
    // Visibility (the list) may trail the start by a moment.
    await vi.waitFor(
      async () => {
        const listed = (await stack.client.list()).find((summary) => summary.id === run.id);
        expect(listed).toMatchObject({ agent: 'support', model: `openai:${supportModel}`, modelSettings: settings });
      },
      { timeout: 20_000 },
    );
    // A run without an agent or settings names neither.
    const plain = await stack.client.enqueue({ input: 'hi', model: 'demo', tools: [] });
    expect(await stack.client.get(plain.id)).not.toHaveProperty('agent');
    expect(await stack.client.get(plain.id)).not.toHaveProperty('modelSettings');
    const requests = await served(supportModel);
    expect(requests).toHaveLength(2);
    // Chat Completions' own names; the request's temperature over the agent's, the agent's others kept.
    for (const request of requests) expect(request.sampling).toEqual({ temperature: 0.7, max_completion_tokens: 300, stop: ['END'], seed: 11 });

    // The tool's timeoutMs is its activity's start-to-close timeout.
    const history = await stack.temporal.workflow.getHandle(run.id).fetchHistory();
    const scheduled = history.events?.flatMap((event) => (event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes] : [])) ?? [];
    const toolActivity = scheduled.find((attributes) => attributes.activityType?.name === 'toolCall');
    expect(Number(toolActivity?.startToCloseTimeout?.seconds)).toBe(4);
  });

  it('sends model settings under each protocol\'s names (Responses, Anthropic Messages with its required max_tokens)', async () => {
    const model = await registerScript({ turns: [{ text: 'ok' }] });
    const cases: [string, ModelSettings, Record<string, unknown>][] = [
      ['openai-responses', { temperature: 0.5, topP: 0.9, maxOutputTokens: 64 }, { temperature: 0.5, top_p: 0.9, max_output_tokens: 64 }],
      ['anthropic', { temperature: 0.5, topP: 0.9, stop: ['END'] }, { temperature: 0.5, top_p: 0.9, stop_sequences: ['END'], max_tokens: 4096 }],
      ['anthropic', { maxOutputTokens: 64 }, { max_tokens: 64 }],
    ];
    for (const [prefix, settings, wire] of cases) {
      const before = (await served(model)).length;
      const run = await stack.client.enqueue({ input: 'hi', model: `${prefix}:${model}`, tools: [], modelSettings: settings });
      await stack.client.result(run.id);
      const requests = await served(model);
      expect(requests.slice(before).map((request) => request.sampling)).toEqual([wire]);
    }
  });

  it('refuses an unknown agent, bad or unsupported settings, with the field named and nothing started', async () => {
    const before = await countWorkflowsOnQueue(stack);
    for (const [body, status, path, message] of [
      [{ input: 'hi', agent: 'sales' }, 400, 'agent', 'unknown agent "sales"; available: support'],
      [{ input: 'hi', modelSettings: { temperature: 7 } }, 400, 'modelSettings.temperature', 'temperature must be at most 2'],
      [{ input: 'hi', agent: 'support', model: 'anthropic:claude-x' }, 400, 'modelSettings.seed', 'the Anthropic Messages API takes no seed (model anthropic:claude-x)'],
      [{ input: 'hi', agent: 'support', tools: ['lookup_order', 'refund'] }, 400, 'tools', 'unknown tool "refund"'],
    ] as const) {
      const response = await postRunBody(stack, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      const json = (await response.json()) as { error: { issues: { path: string; message: string }[] } };
      expect(json.error.issues[0]?.path).toBe(path);
      expect(json.error.issues[0]?.message).toContain(message);
    }
    expect(await countWorkflowsOnQueue(stack)).toBe(before);
  });
});

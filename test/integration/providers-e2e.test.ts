import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssistantMessage } from '../../src/protocol/messages.js';
import { collect, expectStrictlyIncreasing, rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';
import { protocolOf, providerPrefixes, servedFor } from './providers-support.js';

describe('one agent run per wire protocol, end to end (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('providers-e2e');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(providerPrefixes)('%s: reasons, calls a tool, answers; the transcript keeps the reasoning for the next turn', async (prefix) => {
    const answer = '(17+25)*3 = 126 — Grüße, 世界 🌍.';
    const model = await registerScript({
      turns: [
        {
          reasoning: 'The user asks for arithmetic; I will use the calculator.',
          text: 'Let me compute that.',
          toolCalls: [{ name: 'calculator', arguments: { expression: '(17+25)*3' } }],
          chunkSize: 5,
        },
        { text: answer, chunkSize: 3 },
      ],
    });
    const run = await stack.client.enqueue({ input: 'What is (17+25)*3?', model: `${prefix}:${model}`, tools: ['calculator'] });
    const events = await collect(stack.client.subscribe(run.id));
    const result = await stack.client.result(run.id);

    expect(result.output).toBe(answer);
    expect(result.steps).toBe(2);
    expect(result.finishReason).toBe('stop');
    const [user, first, tool, second] = result.messages as [unknown, AssistantMessage, unknown, AssistantMessage];
    expect(user).toEqual({ role: 'user', content: 'What is (17+25)*3?' });
    expect(first).toMatchObject({
      role: 'assistant',
      content: 'Let me compute that.',
      toolCalls: [{ name: 'calculator', arguments: { expression: '(17+25)*3' } }],
    });
    expect(first.reasoning?.[0]?.text).toBe('The user asks for arithmetic; I will use the calculator.');
    if (prefix === 'anthropic') expect(first.reasoning?.[0]?.signature).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    if (prefix === 'openai-responses') expect(first.reasoning?.[0]?.providerData).toMatchObject({ protocol: 'openai-responses' });
    expect(tool).toMatchObject({ role: 'tool', name: 'calculator', content: JSON.stringify({ expression: '(17+25)*3', result: 126 }) });
    expect(second).toMatchObject({ role: 'assistant', content: answer });
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);

    expect(expectStrictlyIncreasing(events)).toBe(true);
    const types = events.map((entry) => entry.event.type);
    for (const type of ['run.started', 'reasoning.delta', 'tool_call.started', 'tool_call.delta', 'tool_call.ready', 'tool.finished', 'text.delta']) {
      expect(types).toContain(type);
    }
    expect(types.at(-1)).toBe('run.completed');
    expect(rebuildStepTexts(events.map((entry) => entry.event)).get(2)).toBe(answer);

    // The right wire protocol answered, once per step; the second call carried the tool result back.
    const served = await servedFor(model);
    expect(served.map((request) => [request.protocol, request.turnIndex, request.completed])).toEqual([
      [protocolOf[prefix], 0, true],
      [protocolOf[prefix], 1, true],
    ]);
  });
});

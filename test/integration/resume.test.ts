import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import type { AgentRunInput } from '../../workflows/run-input.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

const newRunId = () => `run_${randomBytes(13).toString('hex')}`;

describe('run-level resume (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The local LLM server continues a trailing assistant message, as vLLM does: resume by prefill.
    stack = await startTestStack('resume', { env: { OPENAI_CONTINUE_FINAL_MESSAGE: 'true' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const eventsOf = async (runId: string): Promise<ParsedRunEvent[]> => {
    const events: ParsedRunEvent[] = [];
    for await (const { event } of stack.client.subscribe(runId)) events.push(event);
    return events;
  };
  const closed = (runId: string) => stack.temporal.workflow.getHandle(runId).result().then(() => undefined, () => undefined);

  it('continues a run whose retries ran out mid-stream, from its partial text, as a new run linked to the old', async () => {
    const text = Array.from({ length: 80 }, (_, index) => `part${index}`).join(' ');
    // The provider cuts the first stream after 30 chunks; with one attempt allowed, the run fails there.
    const model = await registerScript({ turns: [{ text, chunkSize: 4, delayMs: 5 }], failures: [{ status: 500, message: 'cut', cutAfterChunks: 30 }] });
    const input: AgentRunInput = {
      model: `openai:${model}`,
      messages: [{ role: 'user', content: 'say it' }],
      tools: [],
      maxSteps: 3,
      durability: { modelStepMaxAttempts: 1 },
    };
    const failedId = newRunId();
    await stack.temporal.workflow.start('agentRun', { workflowId: failedId, taskQueue: stack.env.RUNSTREAM_TASK_QUEUE, args: [input] });
    const failedEvents = await eventsOf(failedId);
    expect(failedEvents.at(-1)?.type).toBe('run.failed');
    const partial = rebuildStepTexts(failedEvents).get(1) ?? '';
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(text.length);
    await closed(failedId);
    expect(await stack.client.get(failedId)).toMatchObject({ status: 'failed' });

    const resumed = await stack.client.resume(failedId);
    expect(resumed.id).not.toBe(failedId);
    const events = await eventsOf(resumed.id);
    const result = await stack.client.result(resumed.id);
    // The new run carried the partial text on by prefill: the transcript is exactly the script.
    expect(result.output).toBe(text);
    expect(result.messages).toEqual([
      { role: 'user', content: 'say it' },
      { role: 'assistant', content: text },
    ]);
    expect(rebuildStepTexts(events).get(1)).toBe(text);
    const firstDelta = events.find((event) => event.type === 'text.delta');
    expect(firstDelta).toMatchObject({ offset: 0, text: partial });

    await closed(resumed.id);
    expect(await stack.client.get(failedId)).toMatchObject({ status: 'failed', resumedBy: resumed.id });
    expect(await stack.client.get(resumed.id)).toMatchObject({ status: 'completed', resumedFrom: failedId });
    // Resuming again answers the run that already carries it on.
    expect(await stack.client.resume(failedId)).toEqual({ id: resumed.id, resumedFrom: failedId });
  });

  it('continues a terminated run from its durable transcript; a completed run cannot be resumed', async () => {
    const model = await registerScript({
      turns: [
        { text: 'Checking.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] },
        { text: Array.from({ length: 200 }, (_, index) => `t${index}`).join(' '), delayMs: 10 },
      ],
    });
    const run = await stack.client.enqueue({ input: 'What is 6*7?', model: `openai:${model}`, tools: ['calculator'] });
    for await (const { event } of stack.client.subscribe(run.id)) {
      if (event.type === 'text.delta' && event.step === 2) {
        await stack.temporal.workflow.getHandle(run.id).terminate('operator stopped it');
        break;
      }
    }
    await closed(run.id);
    expect((await stack.client.get(run.id)).status).toBe('failed');
    const resumed = await stack.client.resume(run.id);
    const result = await stack.client.result(resumed.id);
    expect(result.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(result.messages[2]).toMatchObject({ role: 'tool', content: JSON.stringify({ expression: '6*7', result: 42 }) });
    expect(result.output).toContain('t199');
    await closed(resumed.id);
    await expect(stack.client.resume(resumed.id)).rejects.toMatchObject({ status: 409 });
  });
});

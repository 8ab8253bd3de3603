import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import type { AgentRunInput } from '../../workflows/run-input.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

// Runs now keep their transcript in the blob store (long-runs.test.ts); runs recorded before keep it in workflow
// state and finish that way, so the guard is exercised on that design, which `transcriptMode: 'inline'` selects.
describe('a run of the inline-transcript design whose own transcript outgrows a Temporal payload (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('payload-limit');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('fails with PayloadTooLargeError before Temporal would refuse the step, keeping its transcript in history', async () => {
    // Each step writes 1.1 MB and calls a tool: the third step's input (the transcript) is over 2 MB.
    const text = 'notes '.repeat(190_000);
    const model = await registerScript({ turns: [{ text, chunkSize: 65_536, toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }] }] });
    const id = `run_${randomBytes(13).toString('hex')}`;
    const input: AgentRunInput = { model: `openai:${model}`, messages: [{ role: 'user', content: 'write long notes' }], tools: ['calculator'], maxSteps: 5, transcriptMode: 'inline' };
    await stack.temporal.workflow.start('agentRun', { workflowId: id, taskQueue: stack.env.RUNSTREAM_TASK_QUEUE, args: [input] });
    const events: ParsedRunEvent[] = [];
    for await (const { event } of stack.client.subscribe(id)) events.push(event);

    const failed = events.at(-1);
    expect(failed).toMatchObject({ type: 'run.failed', error: { type: 'PayloadTooLargeError', retryable: false } });
    expect(events.filter((event) => event.type === 'step.finished')).toHaveLength(2);
    expect(events.some((event) => event.type === 'run.stalled')).toBe(false);
    // run.failed is published just before the workflow fails: wait for it to close.
    await stack.temporal.workflow.getHandle(id).result().catch(() => undefined);
    const view = await stack.client.get(id);
    expect(view).toMatchObject({ status: 'failed', error: { type: 'PayloadTooLargeError' } });
    // The run failed cleanly: its history holds both steps' messages and their tool results.
    const history = await stack.temporal.workflow.getHandle(id).fetchHistory();
    const results = (history.events ?? []).flatMap((event) => {
      const payload = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      return payload ? [JSON.parse(new TextDecoder().decode(payload)) as { message?: { content?: string }; role?: string }] : [];
    });
    expect(results.filter((result) => result.message?.content === text)).toHaveLength(2);
    expect(results.filter((result) => result.role === 'tool')).toHaveLength(2);
  }, 180_000);
});

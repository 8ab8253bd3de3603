import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/client/index.js';
import { compareStreamIds } from '../../src/protocol/stream-id.js';
import { executionHistories } from '../support/history-size.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

const steps = 2_000;

describe('thousands of steps', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('thousands');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a 2,000-step run completes across continue-as-new; each execution stays under the suggested limits; viewers see one unbroken stream', async () => {
    // Tiny steps from a fast local model: what is measured is the loop, not the tokens.
    const model = await registerScript({ turns: [{ text: 'Next.', toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }] }] });
    const run = await stack.client.enqueue({ input: 'Count to two thousand.', model: `openai:${model}`, tools: ['calculator'], maxSteps: steps });
    const events: LoggedEvent[] = [];
    const started = Date.now();
    for await (const entry of stack.client.subscribe(run.id)) events.push(entry);
    console.log(`${steps} steps in ${Date.now() - started} ms`);

    // run.completed is published just before the workflow closes: wait for the close.
    await stack.temporal.workflow.getHandle(run.id).result();
    const view = await stack.client.get(run.id);
    expect(view.status).toBe('completed');
    expect(view.result!.steps).toBe(steps);
    expect(view.result!.messages).toHaveLength(1 + 2 * steps);

    // One stream: ids strictly increasing, every step started and finished once and in order, one start and one end.
    const ids = events.map((entry) => entry.id);
    expect(ids.every((id, index) => index === 0 || compareStreamIds(ids[index - 1]!, id) < 0)).toBe(true);
    const types = events.map((entry) => entry.event.type);
    expect(types.filter((type) => type === 'run.started')).toHaveLength(1);
    expect(types.filter((type) => type === 'run.completed')).toHaveLength(1);
    expect(types.at(-1)).toBe('run.completed');
    const stepOf = (type: string) => events.flatMap((entry) => (entry.event.type === type && 'step' in entry.event ? [entry.event.step] : []));
    const all = Array.from({ length: steps }, (_, index) => index + 1);
    expect(stepOf('step.started')).toEqual(all);
    expect(stepOf('step.finished')).toEqual(all);
    expect(stepOf('tool.finished')).toEqual(all);

    const executions = await executionHistories(stack.temporal, run.id);
    const summary = executions.map((execution) => `${execution.events.length} events / ${(execution.totalBytes / 1024).toFixed(0)} KB`);
    console.log(`2,000 steps: ${executions.length} executions: ${summary.join(', ')}`);
    expect(executions.length).toBeGreaterThanOrEqual(2);
    for (const execution of executions) {
      // Continued as new at Temporal's suggestion (4,096 events or 4 MB), a step's few events past it at most.
      expect(execution.events.length).toBeLessThan(4_096 + 50);
      expect(execution.totalBytes).toBeLessThan(4 * 1024 * 1024);
      expect(Math.max(...execution.eventBytes)).toBeLessThan(32 * 1024);
    }
  }, 600_000);
});

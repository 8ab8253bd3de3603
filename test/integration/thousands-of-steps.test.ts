import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/client/index.js';
import type { Message } from '../../src/protocol/messages.js';
import { compareStreamIds } from '../../src/protocol/stream-id.js';
import { ChildWorker } from '../chaos/child-worker.js';
import { executionHistories } from '../support/history-size.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { childWorkerEnv, registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

const steps = 2_000;

describe('thousands of steps', () => {
  let stack: TestStack;
  let worker: ChildWorker;
  beforeAll(async () => {
    stack = await startTestStack('thousands', { deferWorker: true });
    // A real worker process, so it can be SIGKILLed midway: the chaos worker (built-in tools), on this stack's queue and store.
    worker = new ChildWorker(childWorkerEnv(stack));
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  it('a 2,000-step run completes across continue-as-new, a worker killed midway; each execution stays under the suggested limits; viewers see one unbroken stream', async () => {
    // Tiny steps from a fast local model: what is measured is the loop, not the tokens.
    const model = await registerScript({ turns: [{ text: 'Next.', toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }] }] });
    const run = await stack.client.enqueue({
      input: 'Count to two thousand.',
      model: `openai:${model}`,
      tools: ['calculator'],
      maxSteps: steps,
      durability: { heartbeatTimeoutMs: 2_000, retryInitialIntervalMs: 100 },
    });
    const events: LoggedEvent[] = [];
    const started = Date.now();
    let killed = false;
    for await (const entry of stack.client.subscribe(run.id)) {
      events.push(entry);
      // SIGKILLed halfway (past a continue-as-new or two), then a fresh worker carries on.
      if (!killed && entry.event.type === 'step.started' && entry.event.step === steps / 2) {
        killed = true;
        await worker.kill();
        await worker.start();
      }
    }
    expect(killed).toBe(true);
    console.log(`${steps} steps in ${Date.now() - started} ms`);

    // run.completed is published just before the workflow closes: wait for the close.
    await stack.temporal.workflow.getHandle(run.id).result();
    const view = await stack.client.get(run.id);
    expect(view.status).toBe('completed');
    expect(view.result!.steps).toBe(steps);
    const messages = view.result!.messages;
    const expected: Pick<Message, 'role' | 'content'>[] = [{ role: 'user', content: 'Count to two thousand.' }];
    for (let index = 0; index < steps; index++) {
      expected.push({ role: 'assistant', content: 'Next.' }, { role: 'tool', content: JSON.stringify({ expression: '1+1', result: 2 }) });
    }
    expect(messages.map(({ role, content }) => ({ role, content }))).toEqual(expected);
    // What viewers were shown, rolled back where the killed step was redone, is exactly the transcript.
    const shown = rebuildStepTexts(events.map((entry) => entry.event));
    expect([...shown.values()]).toEqual(messages.filter((message) => message.role === 'assistant').map((message) => message.content));

    // One stream: ids strictly increasing, every step started and finished once and in order, one start and one end.
    const ids = events.map((entry) => entry.id);
    expect(ids.every((id, index) => index === 0 || compareStreamIds(ids[index - 1]!, id) < 0)).toBe(true);
    const types = events.map((entry) => entry.event.type);
    expect(types.filter((type) => type === 'run.started')).toHaveLength(1);
    expect(types.filter((type) => type === 'run.completed')).toHaveLength(1);
    expect(types.at(-1)).toBe('run.completed');
    const stepOf = (type: string) => events.flatMap((entry) => (entry.event.type === type && 'step' in entry.event ? [entry.event.step] : []));
    const all = Array.from({ length: steps }, (_, index) => index + 1);
    // A step redone after the kill says step.resumed, not step.started again.
    expect(stepOf('step.started')).toEqual(all);
    // The step or tool call the kill cut may be redone (its completion never reached Temporal), so it may finish twice, in place.
    const inPlace = (seen: number[]) => seen.filter((step, index) => index === 0 || step !== seen[index - 1]);
    expect(inPlace(stepOf('step.finished'))).toEqual(all);
    expect(inPlace(stepOf('tool.finished'))).toEqual(all);
    expect(stepOf('step.finished').length + stepOf('tool.finished').length).toBeLessThanOrEqual(2 * steps + 2);

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

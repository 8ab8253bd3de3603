import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillTextFor } from '../../src/demo/script.js';
import type { LoggedEvent } from '../../src/client/index.js';
import type { Message } from '../../src/protocol/messages.js';
import { ChildWorker } from '../chaos/child-worker.js';
import { bytesBeforeEachStep, executionHistories } from '../support/history-size.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { countWorkflowsOnQueue, postRunBody, childWorkerEnv, registerScript, startTestStack, workflowBundle, type TestStack } from '../support/test-stack.js';

const kb = 1024;
/** Temporal refuses payloads over 2 MB; runstream keeps every one under a quarter of that. */
const payloadBound = 512 * kb;

describe('long runs: transcripts of any size through the real API, a worker killed midway', () => {
  let stack: TestStack;
  let worker: ChildWorker;
  beforeAll(async () => {
    stack = await startTestStack('long-runs', { deferWorker: true });
    // A real worker process, so it can be SIGKILLed: the chaos worker (built-in tools), on this stack's queue and store.
    worker = new ChildWorker(childWorkerEnv(stack));
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  it('60 steps of 40 KB and a tool call each: completes, payloads stay small, history grows linearly, the kill loses nothing', async () => {
    const steps = 60;
    const stepChars = 40_000;
    const model = await registerScript({
      turns: [{ fillText: stepChars, chunkSize: 2_000, delayMs: 2, toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }],
    });
    const run = await stack.client.enqueue({
      input: 'Write long notes, one tool call per step.',
      model: `openai:${model}`,
      tools: ['calculator'],
      maxSteps: steps,
      durability: { heartbeatTimeoutMs: 2_000, retryInitialIntervalMs: 100 },
    });
    const events: LoggedEvent[] = [];
    let killed = false;
    for await (const entry of stack.client.subscribe(run.id)) {
      events.push(entry);
      // Killed mid-stream halfway through, then a fresh worker carries on.
      if (!killed && entry.event.type === 'text.delta' && entry.event.step === steps / 2 && entry.event.offset > 0) {
        killed = true;
        await worker.kill();
        await worker.start();
      }
    }
    expect(killed).toBe(true);

    // run.completed is published just before the workflow closes: wait for the close.
    await stack.temporal.workflow.getHandle(run.id).result();
    const view = await stack.client.get(run.id);
    expect(view.status).toBe('completed');
    const messages = view.result!.messages;
    const expected: Message[] = [{ role: 'user', content: 'Write long notes, one tool call per step.' }];
    for (let index = 0; index < steps; index++) {
      expected.push({ role: 'assistant', content: fillTextFor(index, stepChars) });
      expected.push({ role: 'tool', content: JSON.stringify({ expression: '6*7', result: 42 }) } as Message);
    }
    expect(messages.map(({ role, content }) => ({ role, content }))).toEqual(expected.map(({ role, content }) => ({ role, content })));
    expect(view.result!.steps).toBe(steps);
    // What viewers were shown, rolled back where the killed step was redone, is exactly the transcript.
    const shown = rebuildStepTexts(events.map((entry) => entry.event));
    expect([...shown.values()]).toEqual(messages.filter((message) => message.role === 'assistant').map((message) => message.content));
    expect(events.filter((entry) => entry.event.type === 'run.completed')).toHaveLength(1);

    const executions = await executionHistories(stack.temporal, run.id);
    expect(executions).toHaveLength(1);
    const history = executions[0]!;
    // 2.4 MB of text went through the run; history holds refs and small messages only.
    expect(Math.max(...history.eventBytes)).toBeLessThan(payloadBound);
    expect(Math.max(...history.eventBytes)).toBeLessThan(32 * kb);
    const at = bytesBeforeEachStep(history).slice(0, steps);
    const firstHalf = at[steps / 2]! - at[0]!;
    const secondHalf = at[steps - 1]! - at[steps / 2 - 1]!;
    console.log(`60 × 40 KB: history ${(history.totalBytes / kb).toFixed(0)} KB in ${history.events.length} events; first half ${(firstHalf / kb).toFixed(1)} KB, second ${(secondHalf / kb).toFixed(1)} KB`);
    // Linear: each half adds about the same (the kill's retry adds a few events); quadratic growth would triple it.
    expect(secondHalf / firstHalf).toBeGreaterThan(0.7);
    expect(secondHalf / firstHalf).toBeLessThan(1.4);
    expect(history.totalBytes / steps).toBeLessThan(8 * kb);

    // The by-reference workflow replays its own history (with the kill in it) deterministically.
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, { events: history.events }, run.id)).resolves.toBeUndefined();
  }, 180_000);

  it('takes a message array of several megabytes as input; a bad one of that size starts nothing', async () => {
    const input: Message[] = Array.from({ length: 40 }, (_, index) =>
      index % 2 ? { role: 'assistant', content: `noted ${index} ${'b'.repeat(128 * kb)}` } : { role: 'user', content: `document ${index} ${'a'.repeat(128 * kb)}` },
    );
    input.push({ role: 'user', content: 'Summarise.' });
    const before = await countWorkflowsOnQueue(stack);
    const bad = await postRunBody(stack, { input: [...input.slice(0, 30), { role: 'robot', content: 'x' }], tools: [] });
    expect(bad.status).toBe(400);
    expect(await countWorkflowsOnQueue(stack)).toBe(before);

    const model = await registerScript({ turns: [{ text: 'Summary: forty documents.' }] });
    const run = await stack.client.enqueue({ input, model: `openai:${model}`, tools: [] });
    const result = await stack.client.result(run.id);
    expect(result.output).toBe('Summary: forty documents.');
    expect(result.messages.slice(0, input.length)).toEqual(input);
    const [history] = await executionHistories(stack.temporal, run.id);
    expect(Math.max(...history!.eventBytes)).toBeLessThan(32 * kb);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { collect, expectStrictlyIncreasing, rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

describe('one agent run, end to end (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('agent-run', { deferWorker: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs a tool call and answers; viewers joining before, during and after see every event once, in order', async () => {
    const answer = Array.from({ length: 120 }, (_, index) => `word${index}`).join(' ') + ' — done: 126.';
    const model = await registerScript({
      turns: [
        { reasoning: 'The calculator is exact.', text: 'Checking with the calculator.', toolCalls: [{ name: 'calculator', arguments: { expression: '(17+25)*3' } }] },
        { text: answer, delayMs: 8 },
      ],
    });
    const metadata = { ticket: 'T-42', tags: ['math'] };
    const run = await stack.client.enqueue({ input: 'What is (17+25)*3?', model: `openai:${model}`, metadata });
    expect(run.status).toBe('queued');

    // The first viewer subscribes before any worker exists, so before the run starts.
    const early: LoggedEvent[] = [];
    let midJoined: Promise<LoggedEvent[]> | undefined;
    const earlyDone = collect(stack.client.subscribe(run.id), (entry) => {
      early.push(entry);
      if (!midJoined && entry.event.type === 'text.delta' && entry.event.step === 2 && entry.event.offset > 100) {
        midJoined = collect(stack.client.subscribe(run.id));
      }
    });
    await stack.startWorker();

    const result = await stack.client.result(run.id);
    await earlyDone;
    expect(midJoined).toBeDefined();
    const mid = await midJoined!;
    const late = await collect(stack.client.subscribe(run.id));

    expect(result.output).toBe(answer);
    expect(result.steps).toBe(2);
    expect(result.finishReason).toBe('stop');
    const toolMessage = result.messages.find((message) => message.role === 'tool');
    expect(toolMessage).toMatchObject({ name: 'calculator', content: JSON.stringify({ expression: '(17+25)*3', result: 126 }) });

    for (const viewer of [early, mid, late]) {
      expect(expectStrictlyIncreasing(viewer)).toBe(true);
      expect(viewer.map((entry) => entry.id)).toEqual(early.map((entry) => entry.id));
      expect(viewer.at(-1)?.event.type).toBe('run.completed');
      expect(rebuildStepTexts(viewer.map((entry) => entry.event)).get(2)).toBe(result.output);
    }
    const types = early.map((entry) => entry.event.type);
    expect(types[0]).toBe('run.started');
    for (const type of ['step.started', 'reasoning.started', 'reasoning.delta', 'reasoning.finished', 'tool_call.started', 'tool_call.delta', 'tool_call.ready', 'tool.started', 'tool.finished', 'step.finished', 'text.delta']) {
      expect(types).toContain(type);
    }
    const events = early.map((entry) => entry.event);
    // Reasoning blocks open before their text and close before the step's answer.
    expect(types.indexOf('reasoning.started')).toBeLessThan(types.indexOf('reasoning.delta'));
    expect(types.indexOf('reasoning.finished')).toBeLessThan(types.indexOf('text.delta'));
    expect(events.find((event) => event.type === 'reasoning.finished')).toMatchObject({ step: 1, redacted: false });
    expect(events.filter((event) => event.type === 'step.started')).toEqual([
      expect.objectContaining({ step: 1, attempt: 1 }),
      expect.objectContaining({ step: 2, attempt: 1 }),
    ]);
    expect(events[0]).toMatchObject({ type: 'run.started', metadata });
    const completed = events.at(-1);
    expect(completed?.type === 'run.completed' && completed.durationMs).toBeGreaterThan(0);
    // run.completed is published just before the workflow closes: wait for the close before reading the status.
    await stack.temporal.workflow.getHandle(run.id).result();
    const view = await stack.client.get(run.id);
    expect(view).toMatchObject({ id: run.id, status: 'completed', model: `openai:${model}`, metadata });
    expect((await stack.client.list()).find((summary) => summary.id === run.id)).toMatchObject({ metadata });
    expect(view.result?.output).toBe(answer);
  });

  it('keeps history O(steps): 2,000 streamed deltas add no history events over 10', async () => {
    const text = 'x'.repeat(2_000);
    const many = await registerScript({ turns: [{ text, chunkSize: 1 }] });
    const few = await registerScript({ turns: [{ text, chunkSize: 200 }] });
    const historyLength = async (model: string) => {
      const run = await stack.client.enqueue({ input: 'stream', model: `openai:${model}`, tools: [] });
      const events = await collect(stack.client.subscribe(run.id));
      const deltas = events.filter((entry) => entry.event.type === 'text.delta').length;
      // run.completed is published before the workflow closes: wait for the close so both histories are final.
      await stack.temporal.workflow.getHandle(run.id).result();
      const history = await stack.temporal.workflow.getHandle(run.id).fetchHistory();
      return { deltas, historyEvents: history.events?.length ?? 0 };
    };
    const manyRun = await historyLength(many);
    const fewRun = await historyLength(few);
    expect(manyRun.deltas).toBe(2_000);
    expect(fewRun.deltas).toBe(10);
    expect(manyRun.historyEvents).toBeLessThanOrEqual(fewRun.historyEvents);
  });
});

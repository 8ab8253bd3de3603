import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import type { RunResult } from '../../src/protocol/messages.js';
import type { AgentRunInput } from '../../workflows/run-input.js';
import { rebuildStepReasoning, rebuildStepTexts, reasoningOf } from '../support/transcript-replay.js';
import { registerScript, runResultOf, startTestStack, type TestStack } from '../support/test-stack.js';

const text = Array.from({ length: 120 }, (_, index) => `naïve${index}`).join(' ');
const reasoning = 'Thinking about naïve words, one by one, before answering.';

/** A step whose stream the provider cuts mid-way: the retried attempt carries on from the checkpoint. */
async function cutRun(stack: TestStack): Promise<{ events: ParsedRunEvent[]; result: RunResult; requests: ServedRequest[] }> {
  const model = await registerScript({ turns: [{ reasoning, text, chunkSize: 4, delayMs: 10 }], failures: [{ status: 500, message: 'cut', cutAfterChunks: 60 }] });
  const runId = `run_${randomBytes(13).toString('hex')}`;
  const input: AgentRunInput = { model: `openai:${model}`, messages: [{ role: 'user', content: 'go' }], tools: [], maxSteps: 2, durability: { retryInitialIntervalMs: 100 } };
  const events: ParsedRunEvent[] = [];
  // Started first, so the viewer never asks for a run that does not exist yet (404); it replays from the start.
  const handle = await stack.temporal.workflow.start('agentRun', { workflowId: runId, taskQueue: stack.env.RUNSTREAM_TASK_QUEUE, args: [input] });
  const viewer = (async () => {
    for await (const { event } of stack.client.subscribe(runId)) events.push(event);
  })();
  const result = await runResultOf(handle);
  await viewer;
  const all = (await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[];
  return { events, result, requests: all.filter((request) => request.model === model) };
}

/** The reasoning viewers rebuilt equals the transcript's reasoning blocks, which are the script's. */
function expectReasoningAsTranscript(events: ParsedRunEvent[], result: RunResult): void {
  const assistant = result.messages.find((message) => message.role === 'assistant');
  const transcript = assistant ? reasoningOf(assistant) : [];
  expect(transcript.map((block) => block.text)).toEqual([reasoning]);
  expect(rebuildStepReasoning(events).get(1)).toEqual(transcript);
}

/** Text deltas after the last `step.resumed` must continue exactly where the previous one ended. */
function deltasAfterResume(events: ParsedRunEvent[]): { offset: number; text: string }[] {
  const index = events.findLastIndex((event) => event.type === 'step.resumed');
  return events.slice(index + 1).flatMap((event) => (event.type === 'text.delta' ? [{ offset: event.offset, text: event.text }] : []));
}

describe('a step cut mid-stream resumes from its checkpoint', () => {
  let prefill: TestStack;
  let regenerate: TestStack;
  beforeAll(async () => {
    // Small checkpoints, so the cut lands well after the first one.
    prefill = await startTestStack('crash-prefill', { env: { OPENAI_CONTINUE_FINAL_MESSAGE: 'true' }, worker: { checkpoint: { intervalChars: 16 } } });
    regenerate = await startTestStack('crash-regenerate', { worker: { checkpoint: { intervalChars: 16 } } });
  });
  afterAll(async () => {
    await prefill?.stop();
    await regenerate?.stop();
  });

  it('continues by prefill: rolls back to the checkpoint, then neither repeats nor skips a character', async () => {
    const { events, result, requests } = await cutRun(prefill);
    expect(result.output).toBe(text);
    // Each attempt of the first step appends run.started before its own events: the log holds it once, first.
    expect(events[0]?.type).toBe('run.started');
    expect(events.filter((event) => event.type === 'run.started')).toHaveLength(1);
    const resumed = events.find((event) => event.type === 'step.resumed');
    expect(resumed).toMatchObject({ attempt: 2 });
    const offset = resumed?.type === 'step.resumed' ? resumed.offset : 0;
    expect(offset).toBeGreaterThan(0);
    // The second request continued the checkpointed text (assistant prefill).
    expect(requests).toHaveLength(2);
    expect(requests[1]!.prefill.length).toBeGreaterThanOrEqual(offset);
    expect(text.startsWith(requests[1]!.prefill)).toBe(true);
    const deltas = deltasAfterResume(events);
    expect(deltas[0]!.offset).toBe(offset);
    deltas.forEach((delta, index) => {
      if (index > 0) expect(delta.offset).toBe(deltas[index - 1]!.offset + deltas[index - 1]!.text.length);
    });
    expect(rebuildStepTexts(events).get(1)).toBe(text);
    // The continuation does not stream reasoning again: viewers keep what the log held of it.
    expect(resumed).toMatchObject({ reasoning: [{ length: reasoning.length }] });
    expectReasoningAsTranscript(events, result);
  });

  it('regenerates when the model cannot continue a partial message: viewers roll back to 0', async () => {
    const { events, result, requests } = await cutRun(regenerate);
    expect(result.output).toBe(text);
    // Regenerated: the reasoning streams again, so viewers drop what they had of it.
    expect(events.find((event) => event.type === 'step.resumed')).toMatchObject({ attempt: 2, offset: 0, reasoning: [] });
    expect(requests.map((request) => request.prefill)).toEqual(['', '']);
    expect(deltasAfterResume(events)[0]?.offset).toBe(0);
    expect(rebuildStepTexts(events).get(1)).toBe(text);
    expectReasoningAsTranscript(events, result);
  });
});

import { describe, expect, it } from 'vitest';
import { emptyRunView, foldRun, parseRunEvent, type ParsedRunEvent, type RunEventInput, type RunView } from '../../../src/protocol/index.js';

const at = '2026-01-01T00:00:00.000Z';
const fold = (events: (RunEventInput | ParsedRunEvent)[], view: RunView = emptyRunView('run_1')) =>
  events.reduce((current, event) => foldRun(current, event.type === 'unknown' ? event : ({ ...event, runId: 'run_1', at } as ParsedRunEvent)), view);
const usage = { inputTokens: 1, outputTokens: 2, totalTokens: 3 };

describe('foldRun', () => {
  it('applies deltas at their offsets, idempotently, and rolls back on step.resumed', () => {
    const view = fold([
      { type: 'run.started', model: 'demo', tools: [], maxSteps: 4 },
      { type: 'step.started', step: 1 },
      { type: 'text.delta', step: 1, offset: 0, text: 'Hello' },
      { type: 'text.delta', step: 1, offset: 0, text: 'Hello' },
      { type: 'text.delta', step: 1, offset: 5, text: ' wor' },
      { type: 'step.resumed', step: 1, offset: 5, attempt: 2 },
      { type: 'text.delta', step: 1, offset: 5, text: ' world' },
    ]);
    expect(view.status).toBe('running');
    expect(view.steps).toMatchObject([{ step: 1, attempt: 2, text: 'Hello world', finished: false }]);
  });

  it('cuts reasoning to the blocks and lengths step.resumed keeps', () => {
    const view = fold([
      { type: 'step.started', step: 1 },
      { type: 'reasoning.started', step: 1, blockId: 'a' },
      { type: 'reasoning.delta', step: 1, blockId: 'a', text: 'think' },
      { type: 'reasoning.finished', step: 1, blockId: 'a', redacted: false },
      { type: 'reasoning.delta', step: 1, blockId: 'b', text: 'more' },
      { type: 'step.resumed', step: 1, offset: 0, attempt: 2, reasoning: [{ blockId: 'a', length: 3 }] },
    ]);
    expect(view.steps[0]!.reasoning).toEqual([{ blockId: 'a', text: 'thi', finished: false, redacted: false }]);
  });

  it('follows a tool call from its stream to its result, and a retry until the tool starts again', () => {
    const view = fold([
      { type: 'step.started', step: 1 },
      { type: 'tool_call.started', step: 1, callId: 'c1', name: 'add' },
      { type: 'tool_call.delta', step: 1, callId: 'c1', argumentsDelta: '{"a":1' },
      { type: 'tool_call.delta', step: 1, callId: 'c1', argumentsDelta: '}' },
      { type: 'tool_call.ready', step: 1, callId: 'c1', name: 'add', arguments: { a: 1 } },
      { type: 'step.finished', step: 1, text: '', toolCalls: [{ callId: 'c1', name: 'add', arguments: { a: 1 } }], usage, finishReason: 'tool_calls' },
      { type: 'tool.started', step: 1, callId: 'c1', name: 'add' },
      { type: 'step.retrying', step: 1, callId: 'c1', name: 'add', attempt: 2, delayMs: 1000, error: { type: 'Boom', message: 'x', retryable: true } },
    ]);
    expect(view.steps[0]!.toolCalls[0]).toMatchObject({ argumentsText: '{"a":1}', arguments: { a: 1 }, state: 'running', retrying: { attempt: 2, delayMs: 1000 } });
    expect(view.usage).toEqual(usage);
    const done = fold([{ type: 'tool.finished', step: 1, callId: 'c1', name: 'add', result: 2, isError: false }], view);
    expect(done.steps[0]!.toolCalls[0]).toMatchObject({ state: 'finished', result: 2, isError: false });
    expect(done.steps[0]!.toolCalls[0]!.retrying).toBeUndefined();
  });

  it('ends with the terminal event, keeping its duration', () => {
    const view = fold([
      { type: 'step.started', step: 1 },
      { type: 'run.failed', error: { type: 'ProviderError', message: 'boom', retryable: false }, durationMs: 1234 },
    ]);
    expect(view).toMatchObject({ status: 'failed', durationMs: 1234, error: { message: 'boom' } });
  });

  it('passes over an event type it does not know, and a duplicate log id', () => {
    const unknown = parseRunEvent({ type: 'future.thing', runId: 'run_1', at, anything: 1 });
    expect(unknown).toEqual({ type: 'unknown', raw: { type: 'future.thing', runId: 'run_1', at, anything: 1 } });
    const before = fold([{ type: 'step.started', step: 1 }]);
    expect(foldRun(before, unknown)).toBe(before);
    const once = foldRun(before, { type: 'text.delta', runId: 'run_1', at, step: 1, offset: 0, text: 'a' }, '5-0');
    expect(foldRun(once, { type: 'text.delta', runId: 'run_1', at, step: 1, offset: 1, text: 'b' }, '5-0')).toBe(once);
  });

  it('rebuilds the steps from a snapshot', () => {
    const view = fold([
      {
        type: 'snapshot',
        status: 'completed',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'calling', toolCalls: [{ callId: 'c1', name: 'add', arguments: {} }] },
          { role: 'tool', callId: 'c1', name: 'add', content: '2' },
          { role: 'assistant', content: 'done' },
        ],
      },
    ]);
    expect(view.status).toBe('completed');
    expect(view.steps.map((step) => step.text)).toEqual(['calling', 'done']);
    expect(view.steps[0]!.toolCalls[0]).toMatchObject({ state: 'finished', result: '2' });
  });
});

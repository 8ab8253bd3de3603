import { assertNever, type RunEventOf, type StepEvent } from './events.js';
import type { ToolCall } from './messages.js';
import { emptyStepView, type ReasoningView, type StepView, type ToolCallView } from './run-view.js';

/**
 * The rules for one step's events. Text: a delta replaces everything from its
 * offset on, so a delta seen twice changes nothing; `step.resumed` cuts the
 * text back to its offset and the reasoning back to the blocks and lengths it
 * lists (all of it kept when it lists none, as events logged before the field
 * existed), and drops the failed attempt's tool calls (a continuation never
 * keeps them). `step.finished` carries the step's final text, which wins.
 */
export function foldStep(step: StepView, event: StepEvent): StepView {
  switch (event.type) {
    case 'step.started':
      return emptyStepView(event.step, event.attempt ?? 1);
    case 'text.delta':
      return { ...step, text: step.text.slice(0, event.offset) + event.text };
    case 'reasoning.started':
      return step.reasoning.some((block) => block.blockId === event.blockId)
        ? step
        : { ...step, reasoning: [...step.reasoning, { blockId: event.blockId, text: '', finished: false, redacted: false }] };
    case 'reasoning.delta':
      return updateReasoning(step, event.blockId, (block) => ({ ...block, text: block.text + event.text }));
    case 'reasoning.finished':
      return updateReasoning(step, event.blockId, (block) => ({ ...block, finished: true, redacted: event.redacted }));
    case 'step.resumed':
      return resumed(step, event);
    case 'step.retrying': {
      const retrying = { attempt: event.attempt, error: event.error, delayMs: event.delayMs, at: event.at };
      if (event.callId === undefined) return { ...step, retrying };
      return updateCall(step, event.callId, event.name ?? '', (call) => ({ ...call, retrying }));
    }
    case 'step.finished':
      return finished(step, event);
    case 'tool_call.started':
      return updateCall(step, event.callId, event.name, (call) => call);
    case 'tool_call.delta':
      return updateCall(step, event.callId, '', (call) => ({ ...call, argumentsText: call.argumentsText + event.argumentsDelta }));
    case 'tool_call.ready':
      return updateCall(step, event.callId, event.name, (call) => ({
        ...call,
        name: event.name,
        arguments: event.arguments,
        state: call.state === 'streaming' ? 'ready' : call.state,
      }));
    case 'tool.approval_requested':
      return updateCall(step, event.callId, event.name, (call) => ({
        ...call,
        arguments: event.arguments,
        state: 'awaiting_approval',
        approval: { state: 'pending', expiresAt: event.expiresAt },
      }));
    case 'tool.approval_resolved':
      return updateCall(step, event.callId, '', (call) => ({
        ...call,
        state: event.approved ? 'ready' : 'denied',
        approval: {
          state: event.approved ? 'approved' : 'denied',
          expiresAt: call.approval?.expiresAt ?? event.at,
          decidedBy: event.decidedBy,
          ...(event.reason === undefined ? {} : { reason: event.reason }),
        },
      }));
    case 'tool.started':
      return updateCall(step, event.callId, event.name, ({ retrying: _retrying, ...call }) => ({ ...call, state: 'running' }));
    case 'tool.progress':
      return updateCall(step, event.callId, event.name, (call) => ({ ...call, progress: event.progress }));
    case 'tool.finished':
      return updateCall(step, event.callId, event.name, ({ retrying: _retrying, ...call }) => ({
        ...call,
        state: 'finished',
        result: event.result,
        isError: event.isError,
      }));
    default:
      return assertNever(event);
  }
}

function resumed(step: StepView, event: RunEventOf<'step.resumed'>): StepView {
  const { retrying: _retrying, ...rest } = step;
  let reasoning = step.reasoning;
  if (event.reasoning) {
    const kept = new Map(event.reasoning.map(({ blockId, length }) => [blockId, length]));
    reasoning = step.reasoning.flatMap((block) => {
      const length = kept.get(block.blockId);
      return length === undefined ? [] : [{ ...block, text: block.text.slice(0, length), finished: false }];
    });
  }
  return { ...rest, attempt: event.attempt, text: step.text.slice(0, event.offset), reasoning, toolCalls: [], finished: false };
}

function finished(step: StepView, event: RunEventOf<'step.finished'>): StepView {
  const { retrying: _retrying, ...rest } = step;
  let toolCalls = step.toolCalls;
  for (const call of event.toolCalls) toolCalls = withFinalCall(toolCalls, call);
  return {
    ...rest,
    text: event.text,
    reasoning: step.reasoning.every((block) => block.finished) ? step.reasoning : step.reasoning.map((block) => ({ ...block, finished: true })),
    toolCalls,
    finished: true,
    finishReason: event.finishReason,
    usage: event.usage,
  };
}

/** A tool call as the finished message holds it: complete, whatever of its stream was missed. */
function withFinalCall(calls: readonly ToolCallView[], call: ToolCall): readonly ToolCallView[] {
  const argumentsText = call.argumentsText ?? JSON.stringify(call.arguments ?? null);
  const index = calls.findIndex((candidate) => candidate.callId === call.callId);
  const existing = calls[index];
  if (!existing) return [...calls, { callId: call.callId, name: call.name, state: 'ready', argumentsText, arguments: call.arguments }];
  if ('arguments' in existing) return calls;
  return replaceAt(calls, index, { ...existing, name: call.name, arguments: call.arguments, argumentsText, state: existing.state === 'streaming' ? 'ready' : existing.state });
}

function updateReasoning(step: StepView, blockId: string, update: (block: ReasoningView) => ReasoningView): StepView {
  const index = step.reasoning.findIndex((block) => block.blockId === blockId);
  if (index === -1) return { ...step, reasoning: [...step.reasoning, update({ blockId, text: '', finished: false, redacted: false })] };
  return { ...step, reasoning: replaceAt(step.reasoning, index, update(step.reasoning[index]!)) };
}

/** Updates a tool call, creating it (named `name`) when its start was not seen. */
function updateCall(step: StepView, callId: string, name: string, update: (call: ToolCallView) => ToolCallView): StepView {
  const index = step.toolCalls.findIndex((call) => call.callId === callId);
  if (index === -1) return { ...step, toolCalls: [...step.toolCalls, update({ callId, name, state: 'streaming', argumentsText: '' })] };
  const current = step.toolCalls[index]!;
  const next = update(current);
  return next === current ? step : { ...step, toolCalls: replaceAt(step.toolCalls, index, next) };
}

export function replaceAt<T>(items: readonly T[], index: number, item: T): readonly T[] {
  const copy = items.slice();
  copy[index] = item;
  return copy;
}

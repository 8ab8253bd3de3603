import type { Message } from './messages.js';
import { emptyStepView, type StepView, type ToolCallView } from './run-view.js';

/**
 * Steps rebuilt from a transcript (a snapshot's messages): each assistant
 * message is a step, numbered in order, and each tool message completes the
 * call it answers.
 */
export function stepsFromTranscript(messages: readonly Message[]): StepView[] {
  const steps: StepView[] = [];
  for (const message of messages) {
    if (message.role === 'assistant') {
      const toolCalls = (message.toolCalls ?? []).map(
        (call): ToolCallView => ({
          callId: call.callId,
          name: call.name,
          state: 'ready',
          argumentsText: call.argumentsText ?? JSON.stringify(call.arguments ?? null),
          arguments: call.arguments,
        }),
      );
      steps.push({
        ...emptyStepView(steps.length + 1),
        text: message.content,
        reasoning: (message.reasoning ?? []).map((block) => ({
          blockId: block.blockId,
          text: block.text,
          finished: true,
          redacted: block.redactedData !== undefined,
        })),
        toolCalls,
        finished: message.interrupted !== true,
      });
    } else if (message.role === 'tool') {
      const step = steps.at(-1);
      if (!step) continue;
      const toolCalls = step.toolCalls.map(
        (call): ToolCallView =>
          call.callId === message.callId ? { ...call, state: 'finished', result: message.content, isError: message.isError === true } : call,
      );
      steps[steps.length - 1] = { ...step, toolCalls };
    }
  }
  return steps;
}

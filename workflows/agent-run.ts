import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { RunError } from '../src/events.js';
import type { FinishReason, Message, RunResult, Usage } from '../src/messages.js';
import { progressQuery, type RunPhase } from './definitions.js';
import type { AgentRunInput } from './run-input.js';
import { addUsage } from './usage.js';

type Activities = ReturnType<typeof createActivities>;

const { modelStep } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6 },
});
const { toolCall } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});
const { publishRunEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 5 },
});

function describeFailure(error: unknown): RunError {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    return { type: cause.type ?? 'ApplicationFailure', message: cause.message, retryable: !cause.nonRetryable };
  }
  if (cause instanceof Error) return { type: cause.name, message: cause.message, retryable: true };
  return { type: 'Error', message: String(cause), retryable: true };
}

/**
 * The agent loop: ask the model for the next message, run the tools it calls,
 * repeat until it answers without tools or `maxSteps` is reached. History
 * grows by a few events per step; tokens go through Redis, never through here.
 */
export async function agentRun(input: AgentRunInput): Promise<RunResult> {
  const runId = workflowInfo().workflowId;
  const messages: Message[] = [...input.messages];
  let steps = input.carried?.steps ?? 0;
  let usage: Usage = input.carried?.usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  let finishReason: FinishReason = input.carried?.lastFinishReason ?? 'other';
  let phase: RunPhase = 'running';
  setHandler(progressQuery, () => ({ phase, step: steps, messages }));

  try {
    if (!input.carried) {
      await publishRunEvent({
        runId,
        event: { type: 'run.started', model: input.model, tools: input.tools, maxSteps: input.maxSteps },
      });
    }
    while (steps < input.maxSteps) {
      steps++;
      const output = await modelStep({
        runId,
        step: steps,
        model: input.model,
        ...(input.instructions === undefined ? {} : { instructions: input.instructions }),
        messages,
        tools: input.tools,
        ...(input.timeouts ? { timeouts: input.timeouts } : {}),
      });
      messages.push(output.message);
      usage = addUsage(usage, output.usage);
      finishReason = output.finishReason;
      const calls = output.message.toolCalls ?? [];
      if (calls.length === 0) break;
      const results = await Promise.all(calls.map((call) => toolCall({ runId, step: steps, call })));
      messages.push(...results);
      if (workflowInfo().continueAsNewSuggested && steps < input.maxSteps) {
        await continueAsNew<typeof agentRun>({ ...input, messages, carried: { steps, usage, lastFinishReason: finishReason } });
      }
    }

    const lastAssistant = messages.findLast((message) => message.role === 'assistant');
    const result: RunResult = { output: lastAssistant?.content ?? '', messages, usage, steps, finishReason };
    await publishRunEvent({ runId, event: { type: 'run.completed', result } });
    phase = 'completed';
    return result;
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (isCancellation(error)) {
      phase = 'cancelled';
      await CancellationScope.nonCancellable(() => publishRunEvent({ runId, event: { type: 'run.cancelled', partial: '' } }));
      throw error;
    }
    phase = 'failed';
    await publishRunEvent({ runId, event: { type: 'run.failed', error: describeFailure(error) } });
    throw error;
  }
}

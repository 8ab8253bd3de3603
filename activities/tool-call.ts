import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ToolCall, ToolMessage } from '../src/protocol/messages.js';
import type { ActivityDependencies } from './dependencies.js';
import { openPublisher, settlePublisher, stepSignal, supersededMessage } from './publishing.js';
import { retryNotice } from './retry-notice.js';

export interface ToolCallInput {
  runId: string;
  step: number;
  call: ToolCall;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createToolCall(deps: ActivityDependencies) {
  /**
   * Runs one tool call. Whatever goes wrong in the tool (bad arguments, an
   * unknown name, a throw) becomes an error result the model can read and
   * react to; only cancellation ends the activity without a result.
   */
  return async function toolCall(input: ToolCallInput): Promise<ToolMessage> {
    const context = Context.current();
    const { runId, step, call } = input;
    const publisher = openPublisher(deps, runId, { perAttempt: true });
    const finish = async (result: unknown, isError: boolean): Promise<ToolMessage> => {
      publisher.publish({ type: 'tool.finished', step, callId: call.callId, name: call.name, result, isError });
      await settlePublisher(deps, publisher);
      return {
        role: 'tool',
        callId: call.callId,
        name: call.name,
        content: typeof result === 'string' ? result : JSON.stringify(result),
        ...(isError ? { isError: true } : {}),
      };
    };

    publisher.publish({ type: 'tool.started', step, callId: call.callId, name: call.name });
    const tool = deps.tools.get(call.name);
    if (!tool) return finish({ error: `unknown tool "${call.name}"` }, true);
    if (call.argumentsText !== undefined) {
      return finish({ error: `the arguments are not valid JSON: ${call.argumentsText.slice(0, 200)}` }, true);
    }
    const parsed = tool.parse(call.arguments);
    if (!parsed.ok) return finish({ error: parsed.message }, true);
    if (tool.retry === 'at-most-once' && context.info.attempt > 1) {
      return finish({ error: 'the tool was interrupted and is not retried (at-most-once); it may or may not have run' }, true);
    }

    const heartbeat = setInterval(() => context.heartbeat(), 1_000);
    try {
      const result = await tool.execute(parsed.value, {
        runId,
        callId: call.callId,
        idempotencyKey: `${runId}:${call.callId}`,
        signal: stepSignal(publisher),
        progress: (progress) => publisher.publish({ type: 'tool.progress', step, callId: call.callId, name: call.name, progress }),
      });
      return await finish(result ?? null, false);
    } catch (error) {
      if (context.cancellationSignal.aborted) {
        const failure = error instanceof CancelledFailure ? error : new CancelledFailure('tool call cancelled');
        // Stopped by its worker (shut down) or timed out, not by the run: Temporal runs the call again.
        const retry = context.cancellationDetails?.cancelRequested || publisher.superseded.aborted ? undefined : retryNotice(failure, context.info);
        if (retry) publisher.publish({ type: 'step.retrying', step, callId: call.callId, name: call.name, ...retry });
        await settlePublisher(deps, publisher);
        throw failure;
      }
      // A later attempt of this call took over (see publishing.ts): this one's result is void.
      if (publisher.superseded.aborted) {
        publisher.close();
        throw ApplicationFailure.create({ type: 'StaleAttempt', message: supersededMessage(publisher) });
      }
      return finish({ error: errorMessage(error) }, true);
    } finally {
      clearInterval(heartbeat);
    }
  };
}

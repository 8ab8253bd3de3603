import { Context } from '@temporalio/activity';
import type { RunEventInput } from '../src/events.js';
import type { Message, StepOutput } from '../src/messages.js';
import { emptyUsage } from '../src/messages.js';
import type { ModelEvent } from '../src/providers/model-events.js';
import type { StreamTimeouts } from '../src/providers/language-model.js';
import { toolSpec } from '../src/tools/tool.js';
import { toActivityFailure } from './activity-failure.js';
import type { ActivityDependencies } from './dependencies.js';
import { openPublisher, settlePublisher } from './publishing.js';
import { StepAccumulator } from './step-accumulator.js';

export interface ModelStepInput {
  runId: string;
  step: number;
  model: string;
  instructions?: string;
  messages: Message[];
  tools: string[];
  timeouts?: Partial<StreamTimeouts>;
}

/** Maps one neutral model event onto the run event viewers see (undefined: nothing to show). */
function toRunEvent(event: ModelEvent, step: number, textOffset: number): RunEventInput | undefined {
  switch (event.type) {
    case 'text-delta':
      return event.text ? { type: 'text.delta', step, offset: textOffset, text: event.text } : undefined;
    case 'reasoning-delta':
      return event.text ? { type: 'reasoning.delta', step, blockId: event.blockId, text: event.text } : undefined;
    case 'tool-call-start':
      return { type: 'tool_call.started', step, callId: event.callId, name: event.name };
    case 'tool-call-delta':
      return { type: 'tool_call.delta', step, callId: event.callId, argumentsDelta: event.argumentsDelta };
    case 'reasoning-start':
    case 'reasoning-end':
    case 'tool-call-ready': // published after parsing, with the parsed arguments
    case 'usage':
    case 'finish':
      return undefined;
  }
}

export function createModelStep(deps: ActivityDependencies) {
  /**
   * One streamed LLM call. Deltas go to the run's log as they arrive (never to
   * workflow history); the complete assistant message is the activity result.
   */
  return async function modelStep(input: ModelStepInput): Promise<StepOutput> {
    const context = Context.current();
    const { step, runId } = input;
    const attempt = context.info.attempt;
    const publisher = openPublisher(deps, runId, { perAttempt: true });
    const accumulated = new StepAccumulator();

    try {
      if (attempt > 1) publisher.publish({ type: 'step.resumed', step, offset: 0, attempt });
      else publisher.publish({ type: 'step.started', step });

      const model = await deps.resolveModel(input.model);
      const tools = input.tools.map((name) => {
        const tool = deps.tools.get(name);
        if (!tool) throw new Error(`tool "${name}" is not registered in this worker`);
        return toolSpec(tool);
      });
      const stream = model.stream(
        {
          ...(input.instructions === undefined ? {} : { instructions: input.instructions }),
          messages: input.messages,
          tools,
          timeouts: { ...deps.timeouts, ...input.timeouts },
        },
        { signal: context.cancellationSignal },
      );
      for await (const event of stream) {
        const runEvent = toRunEvent(event, step, accumulated.text.length);
        accumulated.apply(event);
        if (runEvent) publisher.publish(runEvent);
        if (event.type === 'tool-call-ready') {
          const call = accumulated.toolCalls.at(-1);
          if (call) publisher.publish({ type: 'tool_call.ready', step, callId: call.callId, name: call.name, arguments: call.arguments });
        }
        context.heartbeat();
      }

      const usage = accumulated.usage ?? emptyUsage();
      const output: StepOutput = {
        message: accumulated.message(),
        usage,
        finishReason: accumulated.finishReason,
        ...(accumulated.rawFinishReason === undefined ? {} : { rawFinishReason: accumulated.rawFinishReason }),
      };
      publisher.publish({
        type: 'step.finished',
        step,
        text: accumulated.text,
        toolCalls: accumulated.toolCalls,
        usage,
        finishReason: output.finishReason,
      });
      await settlePublisher(deps, publisher);
      return output;
    } catch (error) {
      await settlePublisher(deps, publisher);
      throw toActivityFailure(error, [{ text: accumulated.text }]);
    }
  };
}

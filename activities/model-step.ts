import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { RunEventInput } from '../src/protocol/index.js';
import type { Message, StepOutput, Usage } from '../src/protocol/messages.js';
import { emptyUsage } from '../src/protocol/messages.js';
import type { ModelEvent } from '../src/providers/model-events.js';
import type { ModelSettings, ResponseFormat, StreamTimeouts } from '../src/providers/language-model.js';
import { defaultOutputName, type OutputSpec } from '../src/structured/output-spec.js';
import { validateStructuredOutput } from '../src/structured/validate-output.js';
import { toolSpec } from '../src/tools/served-tool.js';
import { toActivityFailure } from './activity-failure.js';
import { defaultCheckpointSettings, LoggedText, nothingCheckpointed, readCheckpoint, takeCheckpoint, type StepCheckpoint } from './checkpoint.js';
import type { ActivityDependencies } from './dependencies.js';
import { openPublisher, settlePublisher, stepSignal, supersededMessage } from './publishing.js';
import { FirstTokenTimer } from '../src/observability/first-token.js';
import { LogTrust } from './log-trust.js';
import { retryNotice } from './retry-notice.js';
import { StepAccumulator } from './step-accumulator.js';
import { heartbeatEveryMs, StepHeartbeat } from './step-heartbeat.js';
import { addRetried, charsPerToken, estimateTokens, StepSpending } from './step-spending.js';
import { planResume, type ResumePlan } from './step-resume.js';
import { readLoggedStep } from './logged-step.js';

/** `run.started`, which the run's first model step appends before its own events. */
export interface RunStartedPublication {
  event: Extract<RunEventInput, { type: 'run.started' }>;
  /** Shared with the workflow's fallback publish, so the log holds it once whoever appends it. */
  producer: string;
}

export interface ModelStepInput {
  runId: string;
  step: number;
  model: string;
  instructions?: string | undefined;
  messages: Message[];
  tools: string[];
  timeouts?: Partial<StreamTimeouts> | undefined;
  /** Run-level resume: the interrupted partial message of the run this one carries on. */
  resumeFrom?: StepCheckpoint | undefined;
  /** Structured output: sent to the provider, and a final answer is validated against it here (zod stays out of workflows). */
  output?: OutputSpec | undefined;
  /** Sampling settings (temperature, topP, maxOutputTokens, stop, seed). */
  modelSettings?: ModelSettings | undefined;
  /**
   * Output tokens the run's budget has left for this step (`budget.maxOutputTokens` less what the run used):
   * the stream is stopped there, the partial message kept and the step ends `length` with `stoppedByBudget`.
   */
  outputTokenAllowance?: number | undefined;
  /**
   * The run's first step appends `run.started` first (and every attempt tries: the log keeps one), so the
   * run's first workflow task schedules this step at once instead of waiting for a publish of its own.
   */
  runStarted?: RunStartedPublication | undefined;
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
      return { type: 'reasoning.started', step, blockId: event.blockId };
    case 'reasoning-end':
      return { type: 'reasoning.finished', step, blockId: event.blockId, redacted: event.redactedData !== undefined };
    case 'tool-call-ready': // published after parsing, with the parsed arguments
    case 'usage':
    case 'finish':
      return undefined;
  }
}

const outputChars = (event: ModelEvent): number =>
  event.type === 'text-delta' || event.type === 'reasoning-delta' ? event.text.length : event.type === 'tool-call-delta' ? event.argumentsDelta.length : 0;

const isReasoning = (event: ModelEvent) => event.type === 'reasoning-start' || event.type === 'reasoning-delta' || event.type === 'reasoning-end';

const responseFormatOf = (output: OutputSpec): ResponseFormat => ({
  type: 'json_schema',
  name: output.name ?? defaultOutputName,
  description: output.description,
  schema: output.schema,
  strict: output.strict ?? false,
});

/**
 * A step stopped by its worker's graceful shutdown: retryable, and retried at
 * once (by another worker: this one polls no more), from its checkpoint.
 */
const handoverFailure = (details: unknown[] = []) =>
  ApplicationFailure.create({ type: 'WorkerShutdown', message: 'the worker shut down; another worker carries the step on from its checkpoint', nextRetryDelay: 100, details });

async function publishRunStarted(deps: ActivityDependencies, runId: string, started: RunStartedPublication): Promise<void> {
  const publisher = openPublisher(deps, runId, { perAttempt: false, producer: started.producer });
  publisher.publish(started.event);
  await settlePublisher(deps, publisher);
}

export function createModelStep(deps: ActivityDependencies) {
  const settings = { ...defaultCheckpointSettings, ...deps.checkpoint };

  /**
   * One streamed LLM call. Deltas go to the run's log as they arrive (never to
   * workflow history); the partial message is checkpointed in heartbeats; the
   * complete assistant message is the activity result. A retried attempt
   * carries on from the last checkpoint (see step-resume.ts).
   */
  return async function modelStep(input: ModelStepInput): Promise<StepOutput> {
    const context = Context.current();
    const { step, runId } = input;
    const attempt = context.info.attempt;
    const publisher = openPublisher(deps, runId, { perAttempt: true });
    // A predecessor that died before its first checkpoint vouched for nothing: the log still shows what it streamed.
    const previous = attempt > 1 ? (readCheckpoint(context.info.heartbeatDetails) ?? nothingCheckpointed) : input.resumeFrom;
    let accumulated = new StepAccumulator();
    let logged = new LoggedText();
    // Only a retry's checkpoint counts earlier attempts: a run-level resume's partial was paid for by the run it carries on.
    let spending = new StepSpending(attempt > 1 ? previous?.spent : undefined, input);
    // Each checkpoint reads the verdict of the check the one before started: it is about one heartbeat interval old.
    const trust = new LogTrust(deps.log, publisher, heartbeatEveryMs(context.info.heartbeatTimeoutMs) + 2 * settings.intervalMs);
    trust.check();
    /** `withText`: the checkpoint goes into history (the step ends), where the text itself belongs. */
    const snapshot = (withText = false) => {
      const loggedLength = logged.update(publisher.appendedSeq, publisher.firstDroppedSeq);
      const byReference = !withText && trust.trusted;
      // The next checkpoint reads the verdict this check gives.
      if (!withText) trust.check();
      const checkpoint = takeCheckpoint(accumulated, { loggedLength, loggedReasoning: logged.reasoning, lastLogId: publisher.lastId, byReference }, settings);
      const spent = spending.total();
      return spent ? { ...checkpoint, spent } : checkpoint;
    };
    const publishText = (offset: number, text: string) => logged.published(publisher.publish({ type: 'text.delta', step, offset, text }), offset + text.length);
    /** `end`: the block's length once this delta is applied, so a checkpoint knows how much of it the log holds. */
    const publishReasoning = (blockId: string, end: number, text: string) =>
      logged.publishedReasoning(publisher.publish({ type: 'reasoning.delta', step, blockId, text }), blockId, end);
    let heartbeat: StepHeartbeat | undefined;
    const unwatch = deps.cancelNotices?.watch(runId, () => heartbeat?.hurry());

    try {
      const firstToken = new FirstTokenTimer(input.model);
      // The step's events follow run.started in the log (appended once it is in, or given up); the model request need not wait.
      if (input.runStarted) publisher.appendAfter(publishRunStarted(deps, runId, input.runStarted));
      const model = await deps.resolveModel(input.model);
      const plan: ResumePlan | undefined =
        attempt > 1 || previous
          ? await planResume({
              checkpoint: previous,
              continuesPartialText: model.capabilities.continuesPartialText,
              readLoggedStep: () => readLoggedStep(deps.log, runId, step),
            })
          : undefined;
      // Text the log held past the last checkpoint was streamed (and billed) by the attempt before: count it as spent.
      if (attempt > 1 && plan?.kind === 'continue' && plan.unchecked > 0) {
        const tokens = estimateTokens(plan.unchecked);
        spending = new StepSpending(addRetried(spending.earlier, { inputTokens: 0, outputTokens: tokens, totalTokens: tokens }), input);
      }
      // Viewers roll reasoning back as exactly as text: to what the log is known to hold, nothing on regeneration.
      const keepReasoning = attempt > 1 && plan ? plan.keepReasoning : [];
      if (attempt > 1) publisher.publish({ type: 'step.resumed', step, offset: plan?.rollbackTo ?? 0, attempt, reasoning: keepReasoning });
      else publisher.publish({ type: 'step.started', step, attempt });
      const continuing = plan?.kind === 'continue';
      if (plan?.kind === 'continue') {
        accumulated = new StepAccumulator({ text: plan.text, reasoning: plan.reasoning });
        // A run-level resume starts a new log: its viewers get the whole partial message first.
        const from = attempt > 1 ? plan.rollbackTo : 0;
        logged = new LoggedText(from, keepReasoning);
        // The continuation does not stream reasoning again: say the checkpointed rest of it, as for the text.
        // A continued message's reasoning is complete (see planResume): each block ends here.
        for (const block of plan.reasoning) {
          const kept = keepReasoning.find((candidate) => candidate.blockId === block.blockId)?.length;
          if (kept === undefined) publisher.publish({ type: 'reasoning.started', step, blockId: block.blockId });
          if (block.text.length > (kept ?? 0)) publishReasoning(block.blockId, block.text.length, block.text.slice(kept ?? 0));
          publisher.publish({ type: 'reasoning.finished', step, blockId: block.blockId, redacted: block.redactedData !== undefined });
        }
        if (plan.text.length > from) publishText(from, plan.text.slice(from));
      }
      heartbeat = new StepHeartbeat(context, settings, snapshot, continuing ? { initial: snapshot() } : {});

      const tools = input.tools.map((name) => {
        const tool = deps.tools.get(name);
        if (!tool) throw new Error(`tool "${name}" is not registered in this worker`);
        return toolSpec(tool);
      });
      const stream = model.stream(
        {
          instructions: input.instructions,
          messages: input.messages,
          tools,
          timeouts: { ...deps.timeouts, ...input.timeouts },
          prefill: continuing ? accumulated.text : undefined,
          responseFormat: input.output && responseFormatOf(input.output),
          settings: input.modelSettings,
        },
        { signal: deps.handover ? AbortSignal.any([stepSignal(publisher), deps.handover]) : stepSignal(publisher) },
      );
      const allowance = input.outputTokenAllowance;
      // The characters this attempt may stream before the step's output reaches the allowance (earlier attempts' count).
      const allowedChars = allowance === undefined ? undefined : Math.max(0, (allowance - (spending.earlier?.outputTokens ?? 0)) * charsPerToken);
      let stoppedByBudget = false;
      for await (const received of stream) {
        let event = received;
        if (allowedChars !== undefined && event.type === 'text-delta' && spending.attemptChars + event.text.length >= allowedChars) {
          // The delta that reaches the allowance is cut there: the partial text ends exactly at the limit.
          event = { ...event, text: event.text.slice(0, Math.max(0, allowedChars - spending.attemptChars)) };
          stoppedByBudget = true;
        }
        spending.received(outputChars(event));
        if (event.type === 'usage') spending.providerUsage(event.usage);
        if (outputChars(event) > 0 || event.type === 'tool-call-start') firstToken.output();
        // Superseded: a later attempt owns this step; whatever this one says now is void.
        if (publisher.superseded.aborted) throw publisher.superseded.reason;
        // A continuation's reasoning was already said (and shown) before the checkpoint.
        if (continuing && isReasoning(event)) continue;
        if (event.type === 'text-delta' && event.text) {
          publishText(accumulated.text.length, event.text);
          accumulated.apply(event);
        } else {
          const runEvent = toRunEvent(event, step, accumulated.text.length);
          accumulated.apply(event);
          if (runEvent?.type === 'reasoning.delta') {
            const block = accumulated.reasoning.findLast((candidate) => candidate.blockId === runEvent.blockId);
            publishReasoning(runEvent.blockId, block?.text.length ?? 0, runEvent.text);
          } else if (runEvent) publisher.publish(runEvent);
        }
        if (event.type === 'tool-call-ready') {
          const call = accumulated.toolCalls.at(-1);
          if (call) publisher.publish({ type: 'tool_call.ready', step, callId: call.callId, name: call.name, arguments: call.arguments });
        }
        heartbeat.output(outputChars(event), event.type === 'tool-call-ready');
        if (allowance !== undefined && spending.stepOutputTokens >= allowance) stoppedByBudget = true;
        // Leaving the loop returns the provider's stream, which closes the request: nothing more is generated or billed.
        if (stoppedByBudget) break;
      }
      heartbeat.stop();

      const stepUsage = stoppedByBudget ? estimatedUsage(spending.attempt(), accumulated.usage) : (accumulated.usage ?? emptyUsage());
      const retried = spending.earlier && spending.earlier.totalTokens > 0 ? { retried: spending.earlier } : {};
      const usage = { ...stepUsage, ...retried };
      const output: StepOutput = {
        // Cut at the budget, the message is partial: marked interrupted, a resume carries it on (prefill or regenerate).
        message: accumulated.message(stoppedByBudget),
        usage,
        finishReason: stoppedByBudget ? 'length' : accumulated.finishReason,
        rawFinishReason: stoppedByBudget ? 'budget' : accumulated.rawFinishReason,
        ...(stoppedByBudget ? { stoppedByBudget: true as const } : {}),
      };
      // Only a final answer must match: a step that calls tools is not the answer yet.
      if (input.output && accumulated.toolCalls.length === 0 && !stoppedByBudget) {
        output.structured = validateStructuredOutput(accumulated.text, input.output, output.finishReason);
      }
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
      heartbeat?.stop();
      const cancelled = context.cancellationSignal.aborted && context.cancellationDetails?.cancelRequested;
      const handover = !cancelled && !publisher.superseded.aborted && deps.handover?.aborted === true;
      const failure = handover ? handoverFailure() : toActivityFailure(error);
      // Temporal will run the step again: tell viewers why and when, before this attempt ends.
      const retry = cancelled || publisher.superseded.aborted ? undefined : retryNotice(failure, context.info);
      if (retry) publisher.publish({ type: 'step.retrying', step, ...retry });
      await settlePublisher(deps, publisher);
      // Whatever ends the step, its partial message goes into history with the failure (invariant 3), text and all:
      // the workflow keeps it in the transcript without reading the log (a cancel returns it through WAIT_CANCELLATION_COMPLETED).
      const partial = snapshot(true);
      if (cancelled) {
        throw new CancelledFailure('the model step was cancelled', [partial]);
      }
      // The next attempt reads this checkpoint: where to carry on from and what this attempt consumed (`usage.retried`).
      if (retry && !handover) context.heartbeat(partial);
      if (handover) {
        // The log holds everything published (settled above): this checkpoint is where the next worker carries on.
        context.heartbeat(partial);
        throw handoverFailure([partial]);
      }
      // Temporal already moved on to a later attempt: this failure is only reported, if it ever reaches the server.
      if (publisher.superseded.aborted) {
        throw ApplicationFailure.create({ type: 'StaleAttempt', message: supersededMessage(publisher), details: [partial] });
      }
      throw toActivityFailure(error, [partial]);
    } finally {
      unwatch?.();
    }
  };
}

/** A step stopped at the budget never got the provider's usage: this attempt's estimate, the provider's where it said. */
function estimatedUsage(attempt: { inputTokens: number; outputTokens: number }, reported: Usage | undefined): Usage {
  if (reported) return reported;
  return { inputTokens: attempt.inputTokens, outputTokens: attempt.outputTokens, totalTokens: attempt.inputTokens + attempt.outputTokens };
}

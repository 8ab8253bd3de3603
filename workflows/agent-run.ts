import {
  ActivityCancellationType,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { StepCheckpoint } from '../activities/checkpoint.js';
import type { RunStartedPublication } from '../activities/model-step.js';
import type { StoredRunResult } from '../src/blobs/transcript-ref.js';
import type { FinishReason, RunResult, ToolMessage, Usage } from '../src/protocol/messages.js';
import { progressQuery, type RunPhase } from './definitions.js';
import type { AgentRunInput, DurabilitySettings } from './run-input.js';
import { cancelledWithoutCheckpoint, checkpointByReference, describeFailure, interruptedPartial, partialFromCheckpoint } from './step-failure.js';
import { InlineTranscript, StoredTranscript, type RunTranscript, type StepDone } from './run-transcript.js';
import { structuredOutputOf } from './structured-output.js';
import { fitPayload } from './payload-guard.js';
import { addUsage } from './usage.js';
import { budgetExceeded, budgetTokens, exceededBeforeStep, exceededByToolCalls, outputTokenAllowance, type BudgetSpent } from './budget.js';
import { ApprovalGate } from './approval-gate.js';
import { sendWebhook } from './webhook-delivery.js';

type Activities = ReturnType<typeof createActivities>;

function activitiesFor(durability: DurabilitySettings = {}) {
  const heartbeatTimeout = durability.heartbeatTimeoutMs ?? 10_000;
  const initialInterval = durability.retryInitialIntervalMs ?? 1_000;
  // Wait for a cancelled step or tool to stop and hand back what it had, so the transcript keeps it.
  const cancellationType = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;
  const { modelStep } = proxyActivities<Activities>({
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout,
    cancellationType,
    retry: { initialInterval, backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: durability.modelStepMaxAttempts ?? 6 },
  });
  const toolOptions = (startToCloseTimeout: number | '10 minutes') => ({
    startToCloseTimeout,
    heartbeatTimeout,
    cancellationType,
    retry: { initialInterval, maximumAttempts: durability.toolMaxAttempts ?? 3 },
  });
  const { toolCall } = proxyActivities<Activities>(toolOptions('10 minutes'));
  // A tool with its own timeoutMs gets its own proxy; runs without toolSettings schedule exactly as before.
  const timed = new Map<number, Activities['toolCall']>();
  const toolCallWithin = (timeoutMs: number | undefined) => {
    if (timeoutMs === undefined) return toolCall;
    let proxy = timed.get(timeoutMs);
    if (!proxy) timed.set(timeoutMs, (proxy = proxyActivities<Activities>(toolOptions(timeoutMs)).toolCall));
    return proxy;
  };
  const { publishRunEvent, recoverStep, appendTranscript, checkApproval } = proxyActivities<Activities>({
    startToCloseTimeout: durability.publishTimeoutMs ?? 60_000,
    retry: { initialInterval: '500 milliseconds', maximumAttempts: 5 },
  });
  // For run.completed (and, in runs recorded before run.started moved into the first model step, run.started): the
  // event goes out from this worker inside the workflow task, with no activity task round trip and no workflow task
  // after it. A crash before that task completes runs it again under the same activity id, which the log appends once.
  const { publishRunEvent: publishRunEventLocally } = proxyLocalActivities<Activities>({
    startToCloseTimeout: durability.publishTimeoutMs ?? 60_000,
    retry: { initialInterval: '500 milliseconds', maximumAttempts: 5 },
  });
  return { modelStep, toolCallWithin, publishRunEvent, publishRunEventLocally, recoverStep, appendTranscript, checkApproval };
}

/** From the run's start (before any continue-as-new) to now, in workflow time: the same on every replay. */
const runDurationMs = () => Math.max(0, Date.now() - workflowInfo().startTime.getTime());

/** What every webhook of a run says besides its event: the thread it is a turn of and the caller's metadata. */
const webhookContext = (input: AgentRunInput) => ({
  ...(input.thread === undefined ? {} : { threadId: input.thread.threadId }),
  ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
});

/** Keeps the transcript well-formed (every tool call answered) when a call was cancelled or failed for good. */
const unfinishedToolResult = (callId: string, name: string, error = 'the tool call did not finish (cancelled or failed)'): ToolMessage => ({
  role: 'tool',
  callId,
  name,
  content: JSON.stringify({ error }),
  isError: true,
});

/**
 * The agent loop: ask the model for the next message, run the tools it calls,
 * repeat until it answers without tools or `maxSteps` is reached. History
 * grows by a few events per step; tokens go through Redis, never through here.
 * A step that ends without completing leaves its partial message in the
 * transcript, marked interrupted (cancel keeps what was said; resume reads it).
 */
export async function agentRun(input: AgentRunInput): Promise<RunResult | StoredRunResult> {
  const { modelStep, toolCallWithin, publishRunEvent, publishRunEventLocally, recoverStep, appendTranscript, checkApproval } = activitiesFor(input.durability);
  const runId = workflowInfo().workflowId;
  // One patch marker for runs started by this code, instead of one per behaviour below that was once a patch of its
  // own: each marker is a history event and an upsert of TemporalChangeVersion (a visibility write) per run. Runs
  // recorded before it replay through each behaviour's own patch, asked only when this one is absent.
  const startedWithAllPatches = patched('agent-run-2026-12');
  const patchedSince = (patchId: string) => startedWithAllPatches || patched(patchId);
  // Runs recorded before the blob store keep their transcript in workflow state, so their histories replay; so do
  // the turns of threads started before threads kept their transcript by reference.
  const transcript: RunTranscript =
    input.transcriptMode !== 'inline' && (!input.thread || input.thread.byRef === true) && patchedSince('transcript-by-reference')
      ? new StoredTranscript(input, { modelStep, appendTranscript })
      : new InlineTranscript(input, { modelStep });
  let steps = input.carried?.steps ?? 0;
  let usage: Usage = input.carried?.usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  let finishReason: FinishReason = input.carried?.lastFinishReason ?? 'other';
  let phase: RunPhase = 'running';
  let lastOutput: StepDone | undefined;
  let resumeFrom: StepCheckpoint | undefined = input.carried ? undefined : input.resumed?.partial;
  let toolCalls = input.carried?.toolCalls ?? 0;
  const { budget } = input;
  /** Counted across continue-as-new (carried) and the runs this one carries on (resumed), as a user pays for them. */
  const spent = (): BudgetSpent => {
    const earlier = input.resumed?.spent;
    const tokens = budgetTokens(usage);
    return {
      totalTokens: (earlier?.totalTokens ?? 0) + tokens.totalTokens,
      outputTokens: (earlier?.outputTokens ?? 0) + tokens.outputTokens,
      toolCalls: (earlier?.toolCalls ?? 0) + toolCalls,
      durationMs: (earlier?.durationMs ?? 0) + runDurationMs(),
    };
  };
  const { messages: _initial, carried: _carried, resumed: _resumed, transcript: _transcript, pending: _pending, ...settings } = input;
  setHandler(progressQuery, () => ({ phase, step: steps, ...transcript.progress(), settings, spent: spent() }));
  const approvals = new ApprovalGate(input);

  /** `run.started` while no step has carried it to the log for sure: the first step appends it, or the run's end does. */
  let runStarted: RunStartedPublication | undefined;
  /** Whether the first step, which carries `run.started`, was scheduled (its first attempt counts the run in the metrics). */
  let runStartedScheduled = false;
  /** Before the run's final event, when no step appended `run.started` for sure (the log keeps one of it). */
  const publishPendingRunStarted = async () => {
    if (runStarted) {
      await publishRunEvent({ runId, event: runStarted.event, producer: runStarted.producer, ...(runStartedScheduled ? { startCounted: true as const } : {}) });
    }
    runStarted = undefined;
  };

  try {
    if (!input.carried) {
      const event: RunStartedPublication['event'] = {
        type: 'run.started',
        model: input.model,
        tools: input.tools,
        maxSteps: input.maxSteps,
        ...(input.agent === undefined ? {} : { agent: input.agent }),
        ...(input.modelSettings === undefined ? {} : { modelSettings: input.modelSettings }),
        ...(budget === undefined ? {} : { budget }),
        ...(input.thread === undefined ? {} : { threadId: input.thread.threadId }),
        ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
      };
      // The first model step appends it: the run's first workflow task schedules that step at once (no publish
      // to wait for), and the step's events still come after it. Histories recorded before published it first.
      if (patchedSince('run-started-in-first-step')) runStarted = { event, producer: `${workflowInfo().runId}:run.started` };
      else await (patched('run-started-local-activity') ? publishRunEventLocally : publishRunEvent)({ runId, event });
    }
    while (steps < input.maxSteps) {
      // Pure checks, no commands: a run without a budget schedules exactly as before.
      const overBudget = exceededBeforeStep(budget, spent());
      if (overBudget) throw budgetExceeded(overBudget);
      const allowance = outputTokenAllowance(budget, spent());
      steps++;
      let output: StepDone;
      try {
        // A scope cancelled already schedules nothing: the step never runs.
        if (runStarted && !CancellationScope.current().consideredCancelled) runStartedScheduled = true;
        output = await transcript.step({
          runId,
          step: steps,
          model: input.model,
          instructions: input.instructions,
          tools: input.tools,
          timeouts: input.timeouts,
          resumeFrom,
          output: input.output,
          modelSettings: input.modelSettings,
          ...(allowance === undefined ? {} : { outputTokenAllowance: allowance }),
          ...(runStarted ? { runStarted } : {}),
        });
        runStarted = undefined;
      } catch (error) {
        let partial = interruptedPartial(error);
        // Cancelled between retries, the failed attempt's checkpoint never reaches history: take what it published.
        if (!partial && cancelledWithoutCheckpoint(error) && patchedSince('recover-partial-of-step-cancelled-in-backoff')) {
          const step = steps;
          partial = partialFromCheckpoint(await CancellationScope.nonCancellable(() => recoverStep({ runId, step })));
        }
        // A checkpoint by reference holds offsets into the run's log: the text is read back from there.
        const reference = partial ? undefined : checkpointByReference(error);
        if (reference && patchedSince('partial-text-from-checkpoint-by-reference')) {
          const step = steps;
          // The log may have lost it (Redis is a cache): then the step's own failure stands, without a partial message.
          const recovered = await CancellationScope.nonCancellable(() => recoverStep({ runId, step, checkpoint: reference })).catch(() => undefined);
          partial = partialFromCheckpoint(recovered);
        }
        if (partial) transcript.add(partial);
        throw error;
      }
      resumeFrom = undefined;
      lastOutput = output;
      usage = addUsage(usage, output.usage);
      finishReason = output.finishReason;
      const calls = output.toolCalls;
      // Stopped mid-stream at the output-token limit: the partial message is in the transcript (interrupted).
      if (output.stoppedByBudget && budget?.maxOutputTokens !== undefined) {
        throw budgetExceeded({ limit: 'maxOutputTokens', used: spent().outputTokens, max: budget.maxOutputTokens });
      }
      if (calls.length === 0) break;
      const overByCalls = exceededByToolCalls(budget, spent(), calls.length);
      if (overByCalls) {
        // None of the calls runs; each is answered, so the transcript stays well-formed and a resume can go on.
        for (const call of calls) transcript.add(unfinishedToolResult(call.callId, call.name, `not run: the run's budget (${overByCalls.limit}) was reached`));
        throw budgetExceeded(overByCalls);
      }
      toolCalls += calls.length;
      // Settle every call before going on, so a cancel waits for each tool to stop. Calls wait for approval independently.
      const step = steps;
      const settled = await Promise.allSettled(
        calls.map((call) =>
          approvals.guard({
            step,
            call,
            check: (gate) => checkApproval({ runId, step, ...transcript.callOf(call), ...gate }),
            publish: (event) => publishRunEvent({ runId, event }),
            run: () => transcript.tool(toolCallWithin(input.toolSettings?.[call.name]?.timeoutMs), { runId, step, call }),
          }),
        ),
      );
      settled.forEach((outcome, index) => {
        const call = calls[index]!;
        transcript.add(outcome.status === 'fulfilled' ? outcome.value : unfinishedToolResult(call.callId, call.name));
      });
      const rejected = settled.find((outcome) => outcome.status === 'rejected');
      if (rejected) throw rejected.reason;
      if (workflowInfo().continueAsNewSuggested && steps < input.maxSteps) {
        await continueAsNew<typeof agentRun>(fitPayload('the continue-as-new input', { ...input, ...transcript.carried(), carried: { steps, usage, lastFinishReason: finishReason, ...(toolCalls > 0 ? { toolCalls } : {}) } }));
      }
    }

    // Only runs that asked for structured output take this path: recorded histories without `output` replay unchanged.
    const structured = input.output ? { structuredOutput: structuredOutputOf(lastOutput, input.maxSteps) } : {};
    const finished = await transcript.finish({ usage, steps, finishReason });
    const result = { ...finished.result, ...structured };
    // The event carries the whole result: built from the store by the activity when the workflow holds only a ref.
    const published: RunResult = 'messages' in result ? result : { output: '', messages: [], usage, steps, finishReason, ...structured };
    const durationMs = runDurationMs();
    // In the run's last workflow task, from this worker: no activity task to schedule, dispatch and complete, and no
    // further workflow task before the run completes. Histories recorded before published it as an activity.
    const publishCompletion = patchedSince('run-completed-local-activity') ? publishRunEventLocally : publishRunEvent;
    await publishCompletion(
      fitPayload('the run\'s result', { runId, model: input.model, event: { type: 'run.completed', result: published, durationMs }, ...(finished.transcript ? { transcript: finished.transcript, transcriptFrom: 'from' in finished.result ? finished.result.from : undefined } : {}) }),
    );
    phase = 'completed';
    await sendWebhook(input.webhook, 'run.completed', { ...webhookContext(input), status: phase, durationMs, steps, usage, finishReason });
    return result;
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (isCancellation(error)) {
      phase = 'cancelled';
      const partial = transcript.interruptedText();
      const durationMs = runDurationMs();
      await CancellationScope.nonCancellable(async () => {
        await publishPendingRunStarted();
        await publishRunEvent({ runId, model: input.model, event: { type: 'run.cancelled', partial, durationMs } });
        await sendWebhook(input.webhook, 'run.cancelled', { ...webhookContext(input), status: phase, durationMs, steps });
      });
      // Rethrown so Temporal records the run as CANCELLED; the transcript stays readable through `progress`.
      throw error;
    }
    phase = 'failed';
    const durationMs = runDurationMs();
    const failure = describeFailure(error);
    await publishPendingRunStarted();
    await publishRunEvent({ runId, model: input.model, event: { type: 'run.failed', error: failure, durationMs } });
    await sendWebhook(input.webhook, 'run.failed', { ...webhookContext(input), status: phase, durationMs, steps, error: failure });
    throw error;
  }
}

import { isFinalStatus, isRunStatus, type RunStatus } from './event-types.js';
import { assertNever, type ParsedRunEvent, type RunEventOf, type StepEvent } from './events.js';
import { foldStep, replaceAt } from './fold-step.js';
import type { Usage } from './messages.js';
import { emptyStepView, type PendingApproval, type RunView, type StepView } from './run-view.js';
import { compareStreamIds } from './stream-id.js';
import { stepsFromTranscript } from './transcript-steps.js';

export { emptyRunView } from './run-view.js';

/**
 * The pure reducer of the protocol: the run as it looks once `event` is
 * applied. Every rule for applying events lives here and in `foldStep`; the
 * CLI, the viewer page, the activities that rebuild a step from the log and
 * the tests all use it. With `id` (the event's log id), an event at or before
 * the last one applied is a duplicate and changes nothing, so a consumer can
 * fold a replay that overlaps what it already has.
 */
export function foldRun(view: RunView, event: ParsedRunEvent, id?: string): RunView {
  if (id !== undefined && view.lastEventId !== undefined && compareStreamIds(id, view.lastEventId) <= 0) return view;
  const next = apply(view, event);
  return id === undefined ? next : { ...next, lastEventId: id };
}

function apply(view: RunView, event: ParsedRunEvent): RunView {
  switch (event.type) {
    case 'run.started':
      return withoutStall({
        ...view,
        status: view.status === 'queued' ? 'running' : view.status,
        model: event.model,
        tools: event.tools,
        maxSteps: event.maxSteps,
        startedAt: event.at,
        ...(event.agent === undefined ? {} : { agent: event.agent }),
        ...(event.modelSettings === undefined ? {} : { modelSettings: event.modelSettings }),
        ...(event.budget === undefined ? {} : { budget: event.budget }),
        ...(event.metadata === undefined ? {} : { metadata: event.metadata }),
        ...(event.threadId === undefined ? {} : { threadId: event.threadId }),
      });
    case 'step.started':
    case 'text.delta':
    case 'reasoning.started':
    case 'reasoning.delta':
    case 'reasoning.finished':
    case 'tool_call.started':
    case 'tool_call.delta':
    case 'tool_call.ready':
    case 'tool.started':
    case 'tool.progress':
    case 'tool.finished':
    case 'step.retrying':
    case 'step.resumed':
      return withoutStall(inStep(running(view), event));
    case 'step.finished':
      return withoutStall({ ...inStep(running(view), event), usage: addUsage(view.usage, event.usage) });
    case 'tool.approval_requested': {
      const pending: PendingApproval = { step: event.step, callId: event.callId, name: event.name, arguments: event.arguments, expiresAt: event.expiresAt };
      const others = view.pendingApprovals.filter((approval) => approval.callId !== event.callId);
      return withoutStall({ ...inStep(view, event), status: live(view.status) ? 'waiting' : view.status, pendingApprovals: [...others, pending] });
    }
    case 'tool.approval_resolved': {
      const pendingApprovals = view.pendingApprovals.filter((approval) => approval.callId !== event.callId);
      const status = view.status === 'waiting' && pendingApprovals.length === 0 ? 'running' : view.status;
      return withoutStall({ ...inStep(view, event), status, pendingApprovals });
    }
    case 'run.stalled':
      return { ...view, stalled: { reason: event.reason, since: event.since, attempts: event.attempts } };
    case 'run.completed':
      return ended(view, event, 'completed', { result: event.result, usage: event.result.usage });
    case 'run.failed':
      return ended(view, event, 'failed', { error: event.error });
    case 'run.cancelled':
      return ended(view, event, 'cancelled', { partial: event.partial });
    case 'turn.queued':
    case 'turn.started':
    case 'turn.finished':
      return turn(view, event);
    case 'thread.closed':
      return view; // a thread's, not a run's
    case 'snapshot':
      return {
        ...view,
        status: isRunStatus(event.status) ? event.status : view.status,
        steps: stepsFromTranscript(event.messages),
        pendingApprovals: isFinalStatus(event.status) ? [] : view.pendingApprovals,
      };
    case 'unknown':
      return view; // a newer server's event: nothing this version knows how to show
    default:
      return assertNever(event);
  }
}

/** Applies a step's event to its step, creating the step when its start was not seen. */
function inStep(view: RunView, event: StepEvent): RunView {
  const index = view.steps.findIndex((step) => step.step === event.step);
  if (index !== -1) {
    const current = view.steps[index]!;
    const next = foldStep(current, event);
    return next === current ? view : { ...view, steps: replaceAt(view.steps, index, next) };
  }
  const step = foldStep(emptyStepView(event.step), event);
  const at = view.steps.findIndex((candidate) => candidate.step > event.step);
  const steps: StepView[] = at === -1 ? [...view.steps, step] : [...view.steps.slice(0, at), step, ...view.steps.slice(at)];
  return { ...view, steps };
}

const live = (status: RunStatus) => !isFinalStatus(status);

/** A step event means the run is under way (the view may have joined after `run.started`). */
const running = (view: RunView): RunView => (view.status === 'queued' ? { ...view, status: 'running' } : view);

function withoutStall(view: RunView): RunView {
  if (!view.stalled) return view;
  const { stalled: _stalled, ...rest } = view;
  return rest;
}

function ended(
  view: RunView,
  event: RunEventOf<'run.completed' | 'run.failed' | 'run.cancelled'>,
  status: RunStatus,
  fields: Partial<Pick<RunView, 'result' | 'usage' | 'error' | 'partial'>>,
): RunView {
  return withoutStall({
    ...view,
    ...fields,
    status,
    endedAt: event.at,
    pendingApprovals: [],
    ...(event.durationMs === undefined ? {} : { durationMs: event.durationMs }),
  });
}

function turn(view: RunView, event: RunEventOf<'turn.queued' | 'turn.started' | 'turn.finished'>): RunView {
  const state = event.type === 'turn.queued' ? 'queued' : event.type === 'turn.started' ? 'started' : 'finished';
  const next: RunView = { ...view, threadId: event.threadId, turn: { threadId: event.threadId, turn: event.turn, position: event.position, state } };
  if (event.type === 'turn.finished' && isRunStatus(event.status)) return { ...next, status: event.status };
  if (event.type === 'turn.started' && view.status === 'queued') return { ...next, status: 'running' };
  return next;
}

export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, totalTokens: a.totalTokens + b.totalTokens };
  if (a.cachedInputTokens !== undefined || b.cachedInputTokens !== undefined) sum.cachedInputTokens = (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0);
  if (a.reasoningTokens !== undefined || b.reasoningTokens !== undefined) sum.reasoningTokens = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  return sum;
}

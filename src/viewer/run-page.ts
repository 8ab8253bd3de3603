import { assertNever, emptyRunView, foldRun, isFinalStatus, type ParsedRunEvent, type RunView } from '../protocol/index.js';
import { byId, el, json } from './dom.js';
import { LiveStream, setStatus } from './live-stream.js';
import { approvalDecider } from './approval-controls.js';
import { StepCard } from './step-card.js';

/**
 * One run, live: an EventSource with the run's viewer token, subscribed to
 * every event type of the protocol. Each event is folded into the run's view
 * by the protocol's reducer (text at its offsets, rolled back on resume), and
 * the page shows the view, so what it shows is the final transcript.
 */
const runId = decodeURIComponent(location.pathname.split('/').filter(Boolean).at(-1) ?? '');
let view: RunView = emptyRunView(runId);
const cards = new Map<number, StepCard>();
let ended = false;
// Buttons only with an API key in this tab; a viewer token alone reads the run, never decides.
const decide = approvalDecider(runId);

function cardFor(step: number): StepCard {
  let card = cards.get(step);
  if (!card) {
    card = new StepCard(step, decide);
    cards.set(step, card);
    byId('timeline').append(card.card);
  }
  return card;
}

/** Draws what changed: the view's parts are replaced, never mutated, so unchanged ones are the same objects. */
function show(previous: RunView, next: RunView, event: ParsedRunEvent): void {
  if (event.type === 'snapshot') {
    // The log no longer held the start: the timeline is rebuilt from the stored transcript.
    cards.clear();
    byId('timeline').replaceChildren();
  }
  for (const step of next.steps) {
    if (event.type === 'snapshot' || previous.steps.find((candidate) => candidate.step === step.step) !== step) cardFor(step.step).show(step);
  }
  if (next.model !== previous.model || next.agent !== previous.agent) byId('meta').textContent = metaLine(next);
  const note = noteFor(event);
  if (note && 'step' in event) cardFor(event.step).note(note);
  if (next.stalled !== previous.stalled) showStalled(next.stalled);
  setStatus(next.status);
  if (isFinalStatus(next.status)) finish(next, event.type === 'snapshot');
}

/** A stalled run shows why until its next sign of progress (the reducer clears `stalled` then). */
function showStalled(stalled: RunView['stalled']): void {
  const banner = byId('stalled');
  banner.hidden = !stalled;
  if (stalled) {
    banner.textContent = `⚠ stalled: ${stalled.reason} (${stalled.attempts} attempts since ${new Date(stalled.since).toLocaleTimeString()}); it carries on once the cause is fixed`;
  }
}

function metaLine(run: RunView): string {
  return [
    run.agent ? `agent ${run.agent}` : '',
    run.model ?? '',
    `tools: ${run.tools.join(', ') || 'none'}`,
    run.maxSteps === undefined ? '' : `up to ${run.maxSteps} steps`,
    run.modelSettings ? Object.entries(run.modelSettings).map(([name, value]) => `${name} ${JSON.stringify(value)}`).join(', ') : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * A line the page adds to a step's card for an event, beyond the state the
 * view holds. Every event type is named here, so a new one fails to compile
 * until the page decides what it shows.
 */
function noteFor(event: ParsedRunEvent): string | undefined {
  switch (event.type) {
    case 'step.resumed':
      return `↻ resumed (attempt ${event.attempt}) at character ${event.offset}`;
    case 'tool.approval_resolved':
      return `${event.approved ? '✓ approved' : '✗ denied'} by ${event.decidedBy}${event.reason ? `: ${event.reason}` : ''}`;
    case 'run.started':
    case 'step.started':
    case 'text.delta':
    case 'reasoning.started':
    case 'reasoning.delta':
    case 'reasoning.finished':
    case 'tool_call.started':
    case 'tool_call.delta':
    case 'tool_call.ready':
    case 'tool.approval_requested':
    case 'tool.started':
    case 'tool.progress':
    case 'tool.finished':
    case 'step.retrying':
    case 'step.finished':
    case 'run.stalled':
    case 'run.completed':
    case 'run.failed':
    case 'run.cancelled':
    case 'turn.queued':
    case 'turn.started':
    case 'turn.finished':
    case 'thread.closed':
    case 'snapshot':
    case 'unknown':
      return undefined; // shown through the view
    default:
      return assertNever(event);
  }
}

const took = (run: RunView) => (run.durationMs === undefined ? '' : ` · ${(run.durationMs / 1_000).toFixed(1)} s`);

function summaryOf(run: RunView, fromSnapshot: boolean): string {
  if (fromSnapshot) return `${run.status} (from the stored transcript)`;
  if (run.status === 'completed' && run.result) {
    const { usage, steps } = run.result;
    return `completed · ${steps} step${steps === 1 ? '' : 's'} · ${usage.inputTokens} tokens in, ${usage.outputTokens} out${took(run)}`;
  }
  if (run.status === 'failed') return `failed · ${run.error ? `${run.error.type}: ${run.error.message}` : 'no details'}${took(run)}`;
  return `${run.status} · the partial text is kept${took(run)}`;
}

function finish(run: RunView, fromSnapshot: boolean): void {
  if (ended) return;
  ended = true;
  stream.end();
  const summary = byId('summary');
  summary.textContent = summaryOf(run, fromSnapshot);
  // A run asked for structured output shows the validated object under the summary.
  const structured = run.result?.structuredOutput;
  if (structured !== undefined) summary.append(el('div', 'structured-label', 'structured output'), el('pre', 'structured-output', json(structured)));
  summary.hidden = false;
}

const stream = new LiveStream({
  kind: 'runs',
  id: runId,
  noun: 'run',
  lastEventId: () => view.lastEventId,
  receive: (event, id) => {
    const previous = view;
    view = foldRun(view, event, id);
    show(previous, view, event);
  },
});

byId('run-id').textContent = runId;
document.title = `runstream · ${runId}`;
stream.connect();

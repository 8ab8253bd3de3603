import type { StepView, ToolCallView } from '../protocol/index.js';
import { ApprovalControls, type DecideApproval } from './approval-controls.js';
import { el, json } from './dom.js';

/**
 * One step of the timeline, drawn from its `StepView` (the protocol's
 * reducer decides what the step holds; this only shows it). Redrawn when the
 * step changes; the card's notes (resumes) are the page's own and stay.
 */
export class StepCard {
  readonly card = el('li', 'step');
  private readonly usage = el('span', 'usage');
  private readonly reasoning = el('details', 'reasoning');
  private readonly reasoningText = el('div', 'reasoning-text');
  private readonly retrying = el('div', 'retrying');
  private readonly text = el('div', 'text');
  private readonly tools = el('ol', 'tools');
  private readonly calls = new Map<string, ToolCard>();

  /** `decide`: the page may approve or deny waiting calls (it holds an API key). */
  constructor(
    step: number,
    private readonly decide?: DecideApproval,
  ) {
    this.card.dataset.step = String(step);
    const head = el('div', 'step-head', `Step ${step}`);
    head.append(this.usage);
    this.reasoning.hidden = true;
    this.reasoning.append(el('summary', '', 'reasoning'), this.reasoningText);
    this.retrying.hidden = true;
    this.card.append(head, this.reasoning, this.retrying, this.text, this.tools);
  }

  show(step: StepView): void {
    this.text.textContent = step.text;
    const reasoning = step.reasoning.map((block) => (block.redacted && block.text === '' ? '(redacted by the provider)' : block.text)).join('\n\n');
    this.reasoning.hidden = reasoning === '';
    this.reasoningText.textContent = reasoning;
    this.usage.textContent = step.usage ? ` · ${step.usage.inputTokens} in / ${step.usage.outputTokens} out · ${step.finishReason ?? ''}` : '';
    this.retrying.hidden = !step.retrying;
    if (step.retrying) this.retrying.textContent = retryText(step.retrying.error.message, step.retrying.delayMs, step.retrying.attempt);
    for (const call of step.toolCalls) this.toolCard(call.callId).show(call);
    // A resumed step drops the failed attempt's calls.
    for (const [callId, card] of this.calls) {
      if (step.toolCalls.some((call) => call.callId === callId)) continue;
      card.item.remove();
      this.calls.delete(callId);
    }
  }

  note(text: string): void {
    this.card.append(el('div', 'note', text));
  }

  private toolCard(callId: string): ToolCard {
    let card = this.calls.get(callId);
    if (!card) {
      card = new ToolCard(callId, this.decide);
      this.calls.set(callId, card);
      this.tools.append(card.item);
    }
    return card;
  }
}

export const retryText = (message: string, delayMs: number, attempt: number): string =>
  `⏳ ${message} — retrying in ${delayMs < 1_000 ? `${delayMs} ms` : `${Math.round(delayMs / 1_000)} s`} (attempt ${attempt})`;

const stateClass: Record<ToolCallView['state'], string> = {
  streaming: 'running',
  ready: 'running',
  awaiting_approval: 'waiting',
  denied: 'error',
  running: 'running',
  finished: 'done',
};

class ToolCard {
  readonly item = el('li', 'tool running');
  private readonly title = el('div', 'tool-title');
  private readonly args = el('pre', 'tool-args');
  private readonly progress = el('div', 'tool-progress');
  private readonly result = el('pre', 'tool-result');
  private readonly approval: ApprovalControls | undefined;

  constructor(callId: string, decide?: DecideApproval) {
    this.item.dataset.callId = callId;
    this.item.append(this.title, this.args, this.progress, this.result);
    if (decide) {
      this.approval = new ApprovalControls(callId, decide);
      this.item.append(this.approval.box);
    }
  }

  show(call: ToolCallView): void {
    this.item.className = `tool ${call.state === 'finished' && call.isError ? 'error' : stateClass[call.state]}`;
    this.title.textContent = `🔧 ${call.name || '…'}${call.approval ? ` · ${approvalText(call.approval)}` : ''}`;
    this.args.textContent = 'arguments' in call ? json(call.arguments) : call.argumentsText;
    this.progress.textContent = call.retrying ? retryText(call.retrying.error.message, call.retrying.delayMs, call.retrying.attempt) : call.progress === undefined ? '' : json(call.progress);
    this.result.textContent = call.result === undefined ? '' : json(call.result);
    this.approval?.show(call);
  }
}

function approvalText(approval: NonNullable<ToolCallView['approval']>): string {
  if (approval.state === 'pending') return `waiting for approval until ${new Date(approval.expiresAt).toLocaleString()}`;
  const by = approval.decidedBy === 'timeout' ? 'expired' : `${approval.state} by ${approval.decidedBy ?? 'someone'}`;
  return `${by}${approval.reason && approval.decidedBy !== 'timeout' ? `: ${approval.reason}` : ''}`;
}

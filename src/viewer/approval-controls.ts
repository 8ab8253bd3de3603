import type { ToolCallView } from '../protocol/index.js';
import { apiKeyName, el } from './dom.js';

/** How a step card decides a waiting call: the run page's, when the tab holds an API key. */
export type DecideApproval = (callId: string, decision: { approve: boolean; reason?: string }) => Promise<void>;

/**
 * The page's way to decide approvals, or undefined: only an API key kept in
 * this tab (the list page asks for it) may decide. A page opened with only a
 * viewer token shows waiting calls without buttons, as the API would refuse it.
 */
export function approvalDecider(runId: string): DecideApproval | undefined {
  const key = sessionStorage.getItem(apiKeyName);
  if (!key) return undefined;
  return async (callId, decision) => {
    const response = await fetch(`/v1/runs/${encodeURIComponent(runId)}/approvals/${encodeURIComponent(callId)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(decision),
    });
    if (response.ok) return;
    const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  };
}

/** Approve / Deny (with an optional reason) under a call that waits; gone once the run says it was decided. */
export class ApprovalControls {
  readonly box = el('div', 'approval');
  private readonly reason = el('input', 'approval-reason');
  private readonly approveButton = el('button', 'approve', 'Approve');
  private readonly denyButton = el('button', 'deny', 'Deny');
  private readonly message = el('div', 'approval-message');

  constructor(
    private readonly callId: string,
    private readonly decide: DecideApproval,
  ) {
    this.reason.placeholder = 'reason (optional)';
    this.reason.maxLength = 2_000;
    this.approveButton.type = 'button';
    this.denyButton.type = 'button';
    this.approveButton.addEventListener('click', () => void this.send(true));
    this.denyButton.addEventListener('click', () => void this.send(false));
    this.box.hidden = true;
    this.box.append(this.approveButton, this.denyButton, this.reason, this.message);
  }

  show(call: ToolCallView): void {
    this.box.hidden = call.state !== 'awaiting_approval';
  }

  private async send(approve: boolean): Promise<void> {
    this.approveButton.disabled = this.denyButton.disabled = true;
    this.message.textContent = '';
    const reason = this.reason.value.trim();
    try {
      await this.decide(this.callId, reason ? { approve, reason } : { approve });
      this.message.textContent = approve ? 'approved; the tool runs' : 'denied';
    } catch (error) {
      this.message.textContent = error instanceof Error ? error.message : String(error);
      this.approveButton.disabled = this.denyButton.disabled = false;
    }
  }
}

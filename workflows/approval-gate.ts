import { ApplicationFailure, condition, setHandler, upsertMemo } from '@temporalio/workflow';
import type { ApprovalCheck, HeldMessage } from '../activities/index.js';
import type { RunEventInput } from '../src/protocol/events.js';
import type { ToolMessage } from '../src/protocol/messages.js';
import {
  approvalDecidedType,
  approvalNotFoundType,
  approvalNotRequiredType,
  decideApprovalUpdate,
  invalidDecisionType,
  pendingApprovalsMemoKey,
  type ApprovalDecision,
  type PendingApprovalEntry,
} from './approval-definitions.js';
import { sendWebhook } from './webhook-delivery.js';
import type { AgentRunInput } from './run-input.js';

const defaultApprovalTimeoutMs = 86_400_000;

interface Resolution {
  approved: boolean;
  reason?: string | undefined;
  /** `api-key:<id>`, `timeout`, or `cancel` (the run was cancelled while the call waited). */
  decidedBy: string;
}

type CallState =
  | { state: 'checking' }
  | { state: 'none' }
  | { state: 'pending'; entry: PendingApprovalEntry }
  | { state: 'decided'; resolution: Resolution };

type Settings = Pick<AgentRunInput, 'requireApproval' | 'approvalTimeoutMs' | 'toolSettings' | 'webhook'>;

/** What guarding one call needs from the run: the worker's check, the event publisher, and the call itself. */
export interface GuardedCall {
  step: number;
  call: { callId: string; name: string };
  check(input: { required: boolean; expiresAt: string }): Promise<ApprovalCheck>;
  publish(event: RunEventInput): Promise<unknown>;
  run(): Promise<HeldMessage>;
}

/**
 * Tool approvals inside the run's workflow: a call that needs a person waits
 * durably (`condition` with a timer: a worker may die and a day may pass)
 * until a decision arrives by Update or the wait expires. The Update's
 * validator refuses unknown, needless and already decided calls before
 * anything is written, so the API answers 404/400/409 at once. Waiting
 * calls are kept in the run's memo, so `GET /v1/runs/:id` lists them with
 * no worker up. Runs whose tools need no approval never ask the worker.
 */
export class ApprovalGate {
  private readonly calls = new Map<string, CallState>();

  constructor(private readonly settings: Settings) {
    setHandler(decideApprovalUpdate, (decision) => this.decide(decision), { validator: (decision) => this.validate(decision) });
  }

  /** Runs the call, after a person approved it when it needs one; denied or expired, the model gets an error result. */
  async guard(guarded: GuardedCall): Promise<HeldMessage> {
    const { callId, name } = guarded.call;
    const required = this.requiredByRun(name);
    if (!required && !this.settings.toolSettings?.[name]?.needsApproval) {
      this.calls.set(callId, { state: 'none' });
      return guarded.run();
    }
    // Known before the first await: a decision racing the request event is accepted and waits for the check.
    this.calls.set(callId, { state: 'checking' });
    const timeoutMs = this.settings.approvalTimeoutMs ?? this.settings.toolSettings?.[name]?.approvalTimeoutMs ?? defaultApprovalTimeoutMs;
    const expiresAt = Date.now() + timeoutMs;
    const check = await guarded.check({ required, expiresAt: new Date(expiresAt).toISOString() });
    if (!check.needed) {
      this.calls.set(callId, { state: 'none' });
      return guarded.run();
    }
    const entry = { step: guarded.step, callId, name, arguments: check.arguments, expiresAt: new Date(expiresAt).toISOString() };
    // Only runs whose webhook asks for approval requests start anything here.
    await sendWebhook(this.settings.webhook, 'tool.approval_requested', { status: 'waiting', ...entry }, callId);
    const resolution = await this.wait(entry, expiresAt);
    await guarded.publish({
      type: 'tool.approval_resolved',
      step: guarded.step,
      callId,
      approved: resolution.approved,
      ...(resolution.reason === undefined ? {} : { reason: resolution.reason }),
      decidedBy: resolution.decidedBy,
    });
    return resolution.approved ? guarded.run() : notRun(guarded.call, resolution, timeoutMs);
  }

  private requiredByRun(name: string): boolean {
    const required = this.settings.requireApproval;
    return required === 'all' || (required?.includes(name) ?? false);
  }

  private async wait(entry: PendingApprovalEntry, expiresAt: number): Promise<Resolution> {
    this.calls.set(entry.callId, { state: 'pending', entry });
    this.publishPending();
    try {
      const decided = await condition(() => this.calls.get(entry.callId)?.state === 'decided', Math.max(1, expiresAt - Date.now()));
      if (!decided) this.calls.set(entry.callId, { state: 'decided', resolution: { approved: false, reason: 'expired without a decision', decidedBy: 'timeout' } });
      const state = this.calls.get(entry.callId);
      return state?.state === 'decided' ? state.resolution : { approved: false, decidedBy: 'timeout' };
    } finally {
      // Cancelled while waiting: nothing ran, and nothing can be decided any more.
      if (this.calls.get(entry.callId)?.state === 'pending') this.calls.set(entry.callId, { state: 'decided', resolution: { approved: false, decidedBy: 'cancel' } });
      this.publishPending();
    }
  }

  private publishPending(): void {
    const pending = [...this.calls.values()].flatMap((call) => (call.state === 'pending' ? [call.entry] : []));
    upsertMemo({ [pendingApprovalsMemoKey]: pending.length > 0 ? pending : undefined });
  }

  private validate(decision: ApprovalDecision): void {
    if (typeof decision?.approve !== 'boolean' || typeof decision.decidedBy !== 'string') {
      throw ApplicationFailure.create({ type: invalidDecisionType, message: 'a decision needs approve (a boolean)', nonRetryable: true });
    }
    const call = this.calls.get(decision.callId);
    if (!call) throw ApplicationFailure.create({ type: approvalNotFoundType, message: `no tool call ${decision.callId} waits for approval in this run`, nonRetryable: true });
    refuseSettled(decision.callId, call);
  }

  private async decide(decision: ApprovalDecision): Promise<{ callId: string; approved: boolean }> {
    await condition(() => this.calls.get(decision.callId)?.state !== 'checking');
    const call = this.calls.get(decision.callId)!;
    refuseSettled(decision.callId, call);
    const resolution: Resolution = { approved: decision.approve, decidedBy: decision.decidedBy, ...(decision.reason ? { reason: decision.reason } : {}) };
    this.calls.set(decision.callId, { state: 'decided', resolution });
    return { callId: decision.callId, approved: decision.approve };
  }
}

/** Refuses a decision for a call that needs none or was decided (by a person, the clock or a cancel). */
function refuseSettled(callId: string, call: CallState): void {
  if (call.state === 'none') {
    throw ApplicationFailure.create({ type: approvalNotRequiredType, message: `tool call ${callId} needs no approval (it runs without one)`, nonRetryable: true });
  }
  if (call.state !== 'decided') return;
  const { resolution } = call;
  const how =
    resolution.decidedBy === 'timeout'
      ? 'it expired without a decision'
      : resolution.decidedBy === 'cancel'
        ? 'the run was cancelled while it waited'
        : `it was ${resolution.approved ? 'approved' : 'denied'} by ${resolution.decidedBy}`;
  throw ApplicationFailure.create({ type: approvalDecidedType, message: `tool call ${callId} was already decided: ${how}`, nonRetryable: true });
}

/** What the model reads for a call a person denied, or nobody decided in time: the call did not run, and why. */
function notRun(call: { callId: string; name: string }, resolution: Resolution, timeoutMs: number): ToolMessage {
  const error =
    resolution.decidedBy === 'timeout'
      ? `not run: the call needed a person's approval and none came within ${Math.round(timeoutMs / 1000)} s, so it expired`
      : `not run: a person denied this call${resolution.reason ? `, saying: ${resolution.reason}` : ' (no reason given)'}`;
  return { role: 'tool', callId: call.callId, name: call.name, content: JSON.stringify({ error }), isError: true };
}

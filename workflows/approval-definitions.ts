import { defineUpdate } from '@temporalio/workflow';

/** The approval Update and what it answers, shared by the workflow and the API. */

export interface ApprovalDecision {
  callId: string;
  approve: boolean;
  reason?: string | undefined;
  /** `api-key:<key id>` (a hash prefix, never the key) as the API names the caller. */
  decidedBy: string;
}

export interface ApprovalAnswer {
  callId: string;
  approved: boolean;
}

/** A call waiting for a person, as `GET /v1/runs/:id` lists it (kept in the run's memo, readable with no worker up). */
export interface PendingApprovalEntry {
  step: number;
  callId: string;
  name: string;
  arguments: unknown;
  expiresAt: string;
}

/** The memo key the workflow keeps its waiting calls under. */
export const pendingApprovalsMemoKey = 'pendingApprovals';

export const decideApprovalUpdate = defineUpdate<ApprovalAnswer, [ApprovalDecision]>('decideApproval');

/** Failure types of refused decisions, so the API answers 404, 409 or 400. */
export const approvalNotFoundType = 'ApprovalNotFound';
export const approvalDecidedType = 'ApprovalDecided';
export const approvalNotRequiredType = 'ApprovalNotRequired';
export const invalidDecisionType = 'InvalidDecision';

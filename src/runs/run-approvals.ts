import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  approvalDecidedType,
  approvalNotFoundType,
  approvalNotRequiredType,
  decideApprovalUpdate,
  invalidDecisionType,
  type ApprovalAnswer,
} from '../../workflows/approval-definitions.js';

/** The body of `POST /v1/runs/:id/approvals/:callId`. */
export const approvalRequestSchema = z
  .object({
    approve: z.boolean({ message: 'approve must be true or false' }),
    reason: z.string().max(2_000, 'reason must be at most 2000 characters').optional(),
  })
  .strict();
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** Why a decision was refused: 404 (no such waiting call), 409 (decided already, or the run ended), 400 (the call needs none). */
export class ApprovalRefusedError extends Error {
  override readonly name = 'ApprovalRefusedError';
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

const refusals: Record<string, ApprovalRefusedError['kind']> = {
  [approvalNotFoundType]: 'not_found',
  [approvalDecidedType]: 'conflict',
  [approvalNotRequiredType]: 'invalid',
  [invalidDecisionType]: 'invalid',
};

/**
 * Decides a waiting tool call through the run's Update: its validator
 * refuses before anything is written, and an accepted decision is durable in
 * the run's history when this returns. The decider is named by key id only.
 */
export async function decideApproval(
  deps: { client: Client; status: (runId: string) => Promise<string> },
  target: { runId: string; callId: string },
  request: ApprovalRequest,
  caller: { keyId: string },
): Promise<ApprovalAnswer> {
  const { runId, callId } = target;
  const client = deps.client;
  const ended = async () => {
    const status = await deps.status(runId);
    return status === 'completed' || status === 'failed' || status === 'cancelled' ? status : undefined;
  };
  const endedStatus = await ended();
  if (endedStatus) throw new ApprovalRefusedError('conflict', `run ${runId} already ended ${endedStatus}; nothing in it waits for approval`);
  try {
    return await client.workflow.getHandle(runId).executeUpdate(decideApprovalUpdate, {
      args: [{ callId, approve: request.approve, reason: request.reason, decidedBy: `api-key:${caller.keyId}` }],
    });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const kind = refusals[error.cause.type ?? ''];
      if (kind) throw new ApprovalRefusedError(kind, error.cause.message);
    }
    // The run ended between the check and the update.
    if (error instanceof WorkflowNotFoundError) {
      throw new ApprovalRefusedError('conflict', `run ${runId} already ended; nothing in it waits for approval`);
    }
    throw error;
  }
}

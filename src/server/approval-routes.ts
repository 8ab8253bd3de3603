import type { Context, Env, Hono } from 'hono';
import { approvalRequestSchema, ApprovalRefusedError } from '../runs/run-approvals.js';
import { issuesOf } from '../runs/run-request.js';
import type { RunService } from '../runs/run-service.js';
import { ApiError } from './api-error.js';

const callIdPattern = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * `POST /v1/runs/:id/approvals/:callId { approve, reason? }` → `200 { callId,
 * approved }`: a key holder decides a tool call that waits for a person. A
 * viewer token reads a run but never decides (403).
 */
export function mountApprovalRoutes<E extends Env>(
  app: Hono<E>,
  deps: { runs: RunService },
  guard: { requireDecider: (c: Context<E>) => string; runId: (c: Context<E>) => string },
): void {
  app.post('/v1/runs/:id/approvals/:callId', async (c) => {
    const keyId = guard.requireDecider(c);
    const runId = guard.runId(c);
    const callId = c.req.param('callId') ?? '';
    if (!callIdPattern.test(callId)) throw new ApiError('not_found', `no tool call ${callId} waits for approval in run ${runId}`);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new ApiError('invalid_request', 'the body is not valid JSON', [{ path: '(body)', message: 'expected { "approve": true | false, "reason"?: "…" }' }]);
    }
    const parsed = approvalRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      throw new ApiError('invalid_request', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
    }
    try {
      return c.json(await deps.runs.approve(runId, callId, parsed.data, { keyId }), 200);
    } catch (error) {
      if (error instanceof ApprovalRefusedError) {
        throw new ApiError(error.kind === 'not_found' ? 'not_found' : error.kind === 'conflict' ? 'conflict' : 'invalid_request', error.message);
      }
      throw error;
    }
  });
}

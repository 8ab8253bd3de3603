import { approvalRequestSchema, ApprovalRefusedError } from '../runs/run-approvals.js';
import type { RunService } from '../runs/run-service.js';
import { ApiError } from './api-error.js';
import { approvalAnswerSchema, approvalParamsSchema } from './api-schemas.js';
import type { ApiEnv } from './app.js';
import type { RouteRegistry } from './routes.js';

/**
 * `POST /v1/runs/:id/approvals/:callId { approve, reason? }` → `200 { callId,
 * approved }`: a key holder decides a tool call that waits for a person. A
 * viewer token reads a run but never decides (403).
 */
export function mountApprovalRoutes(routes: RouteRegistry<ApiEnv>, deps: { runs: RunService }): void {
  routes.route(
    {
      method: 'POST',
      path: '/v1/runs/:id/approvals/:callId',
      operationId: 'decideApproval',
      summary: 'Approve or deny a tool call that waits for a person',
      description: 'A viewer token may watch the run, not decide (403). Decided already or the run ended: 409; no such waiting call: 404; a call that needs no approval: 400.',
      tag: 'runs',
      auth: 'decider',
      params: approvalParamsSchema,
      body: approvalRequestSchema,
      answers: { 200: { description: 'Decided: the run goes on.', json: approvalAnswerSchema } },
      errors: ['conflict'],
    },
    async (c, { params, body, keyId }) => {
      try {
        return c.json(await deps.runs.approve(params.id, params.callId, body, { keyId }), 200);
      } catch (error) {
        if (error instanceof ApprovalRefusedError) {
          throw new ApiError(error.kind === 'not_found' ? 'not_found' : error.kind === 'conflict' ? 'conflict' : 'invalid_request', error.message);
        }
        throw error;
      }
    },
  );
}

import { RunConflictError, type RunService } from '../runs/run-service.js';
import { ApiError } from './api-error.js';
import { resumeRunRequestSchema } from '../runs/run-request.js';
import { cancelAnswerSchema, resumeAnswerSchema, runParamsSchema } from './api-schemas.js';
import type { ApiEnv } from './app.js';
import type { RouteRegistry } from './routes.js';

/**
 * `POST /v1/runs/:id/cancel` and `POST /v1/runs/:id/resume`, both `202`:
 * the work happens in the workflow (cancel) or in a new run (resume); the
 * answer says which run to follow. A viewer disconnecting never cancels.
 */
export function mountRunControlRoutes(routes: RouteRegistry<ApiEnv>, deps: { runs: RunService }): void {
  const conflictsAsApiErrors = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (error instanceof RunConflictError) throw new ApiError('conflict', error.message);
      throw error;
    }
  };

  routes.route(
    {
      method: 'POST',
      path: '/v1/runs/:id/cancel',
      operationId: 'cancelRun',
      summary: 'Cancel a run; its partial text is kept',
      tag: 'runs',
      auth: 'key',
      params: runParamsSchema,
      answers: { 202: { description: 'Cancelling (or already cancelled): the run ends `cancelled`.', json: cancelAnswerSchema } },
      errors: ['conflict'],
    },
    async (c, { params }) => {
      const answer = await conflictsAsApiErrors(() => deps.runs.cancel(params.id));
      return c.json({ id: answer.id, status: answer.status === 'cancelled' ? ('cancelled' as const) : ('cancelling' as const) }, 202);
    },
  );

  routes.route(
    {
      method: 'POST',
      path: '/v1/runs/:id/resume',
      operationId: 'resumeRun',
      summary: 'Continue a failed or terminated run from its durable transcript, as a new run',
      description:
        'The body may be left out. `budget` replaces the run\'s limits field by field (say, a larger one for the limit a `BudgetExceededError` named); what the run used stays counted.',
      tag: 'runs',
      auth: 'key',
      params: runParamsSchema,
      body: resumeRunRequestSchema,
      bodyOptional: true,
      answers: { 202: { description: 'The run that carries on.', json: resumeAnswerSchema } },
      errors: ['conflict'],
    },
    async (c, { params, body }) => {
      const answer = await conflictsAsApiErrors(() => deps.runs.resume(params.id, body ?? {}));
      return c.json({ id: answer.id, resumedFrom: params.id }, 202);
    },
  );
}

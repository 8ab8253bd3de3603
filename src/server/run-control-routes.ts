import type { Context, Env, Hono } from 'hono';
import { RunConflictError, type RunService } from '../runs/run-service.js';
import { ApiError } from './api-error.js';

/**
 * `POST /v1/runs/:id/cancel` and `POST /v1/runs/:id/resume`, both `202`:
 * the work happens in the workflow (cancel) or in a new run (resume); the
 * answer says which run to follow. A viewer disconnecting never cancels.
 */
export function mountRunControlRoutes<E extends Env>(
  app: Hono<E>,
  deps: { runs: RunService },
  guard: { requireKey: (c: Context<E>) => string; runId: (c: Context<E>) => string },
): void {
  const conflictsAsApiErrors = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (error instanceof RunConflictError) throw new ApiError('conflict', error.message);
      throw error;
    }
  };

  app.post('/v1/runs/:id/cancel', async (c) => {
    guard.requireKey(c);
    const runId = guard.runId(c);
    const answer = await conflictsAsApiErrors(() => deps.runs.cancel(runId));
    return c.json({ id: answer.id, status: answer.status === 'cancelled' ? 'cancelled' : 'cancelling' }, 202);
  });

  app.post('/v1/runs/:id/resume', async (c) => {
    guard.requireKey(c);
    const runId = guard.runId(c);
    const answer = await conflictsAsApiErrors(() => deps.runs.resume(runId));
    return c.json({ id: answer.id, resumedFrom: runId }, 202);
  });
}

import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { LiveSubscriptions } from '../bus/live-subscriptions.js';
import type { RunLog } from '../bus/run-log.js';
import { InvalidRunRequestError, isRunId, RunNotFoundError, type RunService } from '../runs/run-service.js';
import { createRunRequestSchema, issuesOf } from '../runs/run-request.js';
import { ApiError } from './api-error.js';
import { bearerToken, type ApiKeys } from './api-keys.js';
import { streamRunEvents, type SseSettings } from './events-route.js';
import { mountRunControlRoutes } from './run-control-routes.js';
import type { ViewerTokens } from './viewer-token.js';

export interface ApiDependencies {
  runs: RunService;
  log: RunLog;
  live: LiveSubscriptions;
  apiKeys: ApiKeys;
  viewerTokens: ViewerTokens;
  maxBodyBytes?: number;
  sse?: Partial<SseSettings>;
}

type Env = { Bindings: HttpBindings; Variables: { keyId: string } };

export function createApiApp(deps: ApiDependencies) {
  const app = new Hono<Env>();

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJSON(), error.status, error.headers);
    if (error instanceof RunNotFoundError) return c.json(new ApiError('not_found', error.message).toJSON(), 404);
    if (error instanceof InvalidRunRequestError) {
      return c.json(new ApiError('invalid_request', error.message, error.issues).toJSON(), 400);
    }
    console.error('runstream api: unexpected error', error);
    return c.json(new ApiError('internal', 'internal error').toJSON(), 500);
  });
  app.notFound((c) => c.json(new ApiError('not_found', `no route ${c.req.method} ${c.req.path}`).toJSON(), 404));

  const requireKey = (c: Context<Env>): string => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw new ApiError('unauthorized', 'missing API key: send Authorization: Bearer <key>');
    const keyId = deps.apiKeys.identify(token);
    if (!keyId) throw new ApiError('unauthorized', 'invalid API key');
    return keyId;
  };
  const runIdParam = (c: Context<Env>): string => {
    const id = c.req.param('id') ?? '';
    if (!isRunId(id)) throw new ApiError('not_found', `run ${id} not found`);
    return id;
  };

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.post(
    '/v1/runs',
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? 64 * 1024,
      onError: () => {
        throw new ApiError('payload_too_large', `the body is larger than ${deps.maxBodyBytes ?? 64 * 1024} bytes`);
      },
    }),
    async (c) => {
      const keyId = requireKey(c);
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new ApiError('invalid_request', 'the body is not valid JSON', [{ path: '(body)', message: 'expected a JSON object' }]);
      }
      const parsed = createRunRequestSchema.safeParse(body);
      if (!parsed.success) {
        const issues = issuesOf(parsed.error);
        throw new ApiError('invalid_request', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
      }
      const run = await deps.runs.enqueue(parsed.data, { keyId });
      const { token } = deps.viewerTokens.issue(run.id);
      const eventsUrl = new URL(`/v1/runs/${run.id}/events`, c.req.url).toString();
      return c.json({ id: run.id, status: run.status, viewerToken: token, eventsUrl }, 201);
    },
  );

  app.get('/v1/runs/:id', async (c) => {
    requireKey(c);
    return c.json(await deps.runs.get(runIdParam(c)));
  });

  app.get('/v1/runs/:id/events', async (c) => {
    const runId = runIdParam(c);
    const viewerToken = c.req.query('token');
    if (viewerToken !== undefined && !c.req.header('authorization')) {
      const check = deps.viewerTokens.verify(viewerToken, runId);
      if (!check.ok) {
        if (check.reason === 'other_run') throw new ApiError('forbidden', 'this viewer token is for another run');
        throw new ApiError('unauthorized', `viewer token ${check.reason}`);
      }
    } else {
      requireKey(c);
    }
    return streamRunEvents(deps, runId, {
      after: c.req.header('last-event-id') ?? c.req.query('after'),
      outgoing: c.env.outgoing,
    });
  });

  mountRunControlRoutes(app, deps, { requireKey, runId: runIdParam });

  return app;
}

import type { HttpBindings } from '@hono/node-server';
import type { PayloadCodec } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { LiveSubscriptions } from '../bus/live-subscriptions.js';
import type { RunLog } from '../bus/run-log.js';
import type { CatalogueReader } from '../catalogue/catalogue-reader.js';
import { CatalogueRefusalError, InvalidRunRequestError, isRunId, RunNotFoundError, type RunService } from '../runs/run-service.js';
import { createRunRequestSchema, issuesOf } from '../runs/run-request.js';
import { observeRequests, requestLogger } from '../observability/request-observer.js';
import { metricsContentType, metricsText } from '../observability/metrics-endpoint.js';
import { ApiError } from './api-error.js';
import type { ApiKeys } from './api-keys.js';
import { createAuth } from './auth.js';
import { createCors, noCors, type CorsSettings } from './cors.js';
import type { EnqueueLimits } from './enqueue-limits.js';
import { streamRunEvents, type SseSettings, type StreamStats } from './events-route.js';
import { mountCatalogueRoutes } from './catalogue-routes.js';
import { mountCodecRoutes } from './codec-routes.js';
import { mountApprovalRoutes } from './approval-routes.js';
import { mountRunControlRoutes } from './run-control-routes.js';
import { mountThreadRoutes } from './thread-routes.js';
import type { ThreadService } from '../threads/thread-service.js';
import { mountViewerPages } from './viewer/viewer-routes.js';
import type { ViewerTokens } from './viewer-token.js';

export interface ApiDependencies {
  runs: RunService;
  /** Threads (`/v1/threads`); their routes are mounted when given. */
  threads?: ThreadService;
  /** What the live workers serve (`GET /v1/tools`, `GET /v1/agents`). */
  catalogue: Pick<CatalogueReader, 'read'>;
  log: RunLog;
  live: LiveSubscriptions;
  apiKeys: ApiKeys;
  viewerTokens: ViewerTokens;
  /** Per-key rate and concurrency limits in Redis; none when undefined. */
  limits?: EnqueueLimits;
  /** No key needed (`--insecure`, loopback only). */
  insecure?: boolean | undefined;
  maxBodyBytes?: number | undefined;
  /** `POST /v1/runs` may carry a large `input` (default 32 MiB): it goes to the blob store, never into workflow history. */
  maxRunBodyBytes?: number | undefined;
  sse?: Partial<SseSettings> | undefined;
  streamStats?: StreamStats;
  /** Which other origins' pages may call (none when undefined). */
  cors?: CorsSettings | undefined;
  /** RUNSTREAM_PAYLOAD_KEY's codec, served to the Temporal UI at /v1/codec (none: payloads pass through). */
  payloadCodec?: PayloadCodec | undefined;
}

export type ApiEnv = { Bindings: HttpBindings };

const listQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export function createApiApp(deps: ApiDependencies) {
  const app = new Hono<ApiEnv>();
  const auth = createAuth(deps);
  const maxBodyBytes = deps.maxBodyBytes ?? 64 * 1024;
  const maxRunBodyBytes = deps.maxRunBodyBytes ?? 32 * 1024 * 1024;

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJSON(), error.status, error.headers);
    if (error instanceof RunNotFoundError) return c.json(new ApiError('not_found', error.message).toJSON(), 404);
    if (error instanceof InvalidRunRequestError) {
      return c.json(new ApiError('invalid_request', error.message, error.issues).toJSON(), 400);
    }
    if (error instanceof CatalogueRefusalError) {
      const apiError = error.kind === 'conflict' ? new ApiError('conflict', error.message, error.issues) : new ApiError('unavailable', error.message, error.issues, { 'retry-after': '5' });
      return c.json(apiError.toJSON(), apiError.status, apiError.headers);
    }
    requestLogger(c).error({ err: error }, 'unexpected error');
    return c.json(new ApiError('internal', 'internal error').toJSON(), 500);
  });
  app.notFound((c) => c.json(new ApiError('not_found', `no route ${c.req.method} ${c.req.path}`).toJSON(), 404));
  // First, so preflights are answered and every answer (errors too) carries the headers a listed origin needs.
  app.use('*', createCors(deps.cors ?? noCors));

  const requireKey = (c: Context<ApiEnv>) => auth.requireKey(c.req.header('authorization'));
  const runIdParam = (c: Context<ApiEnv>): string => {
    const id = c.req.param('id') ?? '';
    if (!isRunId(id)) throw new ApiError('not_found', `run ${id} not found`);
    return id;
  };

  app.use('*', observeRequests());

  app.get('/healthz', (c) => c.json({ ok: true }));
  // Prometheus text, unauthenticated like /healthz (aggregates only, no run ids); keep it off the public internet.
  app.get('/metrics', async (c) => c.body(await metricsText(), 200, { 'content-type': metricsContentType }));

  // The size limit comes first, so an oversized body is refused before it is read whole.
  const limitTo = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError('payload_too_large', `the body is larger than ${maxSize} bytes`);
      },
    });
  const runBodyLimit = limitTo(maxRunBodyBytes);
  const otherBodyLimit = limitTo(maxBodyBytes);
  app.use('/v1/*', (c, next) => (c.req.method === 'POST' && c.req.path === '/v1/runs' ? runBodyLimit(c, next) : otherBodyLimit(c, next)));

  app.post('/v1/runs', async (c) => {
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
    await deps.limits?.checkRate(keyId);
    const runId = deps.runs.runIdFor(parsed.data, { keyId });
    const slot = await deps.limits?.reserve(keyId, runId, (id) => deps.runs.isActive(id));
    let run: Awaited<ReturnType<RunService['enqueue']>>;
    try {
      run = await deps.runs.enqueue(parsed.data, { keyId, runId });
    } catch (error) {
      if (slot?.added) await deps.limits?.release(keyId, runId);
      throw error;
    }
    const { token, expiresAt } = deps.viewerTokens.issue(run.id);
    const eventsUrl = new URL(`/v1/runs/${run.id}/events`, c.req.url).toString();
    const viewerUrl = new URL(`/runs/${run.id}?token=${encodeURIComponent(token)}`, c.req.url).toString();
    return c.json({ id: run.id, status: run.status, viewerToken: token, viewerTokenExpiresAt: new Date(expiresAt * 1000).toISOString(), eventsUrl, viewerUrl }, 201);
  });

  app.get('/v1/runs', async (c) => {
    requireKey(c);
    const query = listQuerySchema.safeParse(c.req.query());
    if (!query.success) throw new ApiError('invalid_request', 'limit must be 1 to 200', issuesOf(query.error));
    return c.json({ runs: await deps.runs.list({ limit: query.data.limit }) });
  });

  app.get('/v1/runs/:id', async (c) => {
    requireKey(c);
    const runId = runIdParam(c);
    try {
      return c.json(await deps.runs.get(runId));
    } catch (error) {
      // A thread's turn waiting its turn has no workflow yet, but it is a run: queued.
      if (error instanceof RunNotFoundError && (await deps.threads?.hasQueuedTurn(runId))) return c.json({ id: runId, status: 'queued' });
      throw error;
    }
  });

  // A fresh viewer token for a run (they expire, 15 minutes by default): key holders only.
  app.post('/v1/runs/:id/viewer-token', async (c) => {
    requireKey(c);
    const runId = runIdParam(c);
    await deps.runs.describe(runId); // 404 for an unknown run
    const { token, expiresAt } = deps.viewerTokens.issue(runId);
    return c.json({ viewerToken: token, expiresAt: new Date(expiresAt * 1000).toISOString() }, 201);
  });

  app.get('/v1/runs/:id/events', async (c) => {
    const runId = runIdParam(c);
    auth.requireReader({ authorization: c.req.header('authorization'), token: c.req.query('token') }, runId);
    return streamRunEvents(deps, runId, {
      after: c.req.header('last-event-id') || c.req.query('after'),
      outgoing: c.env.outgoing,
    });
  });

  mountRunControlRoutes(app, deps, { requireKey, runId: runIdParam });
  mountApprovalRoutes(app, deps, {
    requireDecider: (c) => auth.requireDecider({ authorization: c.req.header('authorization'), token: c.req.query('token') }, runIdParam(c)),
    runId: runIdParam,
  });
  if (deps.threads) {
    mountThreadRoutes(app, { ...deps, threads: deps.threads }, {
      requireKey,
      requireReader: (c, id) => auth.requireReader({ authorization: c.req.header('authorization'), token: c.req.query('token') }, id),
    });
  }
  mountCodecRoutes(app, { codec: deps.payloadCodec }, { requireKey });
  mountCatalogueRoutes(app, deps, { requireKey });
  mountViewerPages(app);
  return app;
}

import type { HttpBindings } from '@hono/node-server';
import type { PayloadCodec } from '@temporalio/common';
import { Hono } from 'hono';
import type { LiveSubscriptions } from '../bus/live-subscriptions.js';
import type { RunLog } from '../bus/run-log.js';
import type { CatalogueReader } from '../catalogue/catalogue-reader.js';
import { CatalogueRefusalError, InvalidRunRequestError, RunNotFoundError, type RunService } from '../runs/run-service.js';
import { createRunRequestSchema } from '../runs/run-request.js';
import { observeRequests, requestLogger } from '../observability/request-observer.js';
import { traceRequests } from '../observability/request-tracing.js';
import { metricsContentType, metricsText } from '../observability/metrics-endpoint.js';
import { ApiError } from './api-error.js';
import {
  createdRunSchema,
  eventStreamAnswers,
  eventsHeadersSchema,
  eventsQuerySchema,
  healthSchema,
  runAnswerSchema,
  runListQuerySchema,
  runListSchema,
  runParamsSchema,
  viewerTokenSchema,
} from './api-schemas.js';
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
import { mountApiDocs } from './api-docs.js';
import { RouteRegistry } from './routes.js';
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

export function createApiApp(deps: ApiDependencies) {
  return createApi(deps).app;
}

/** The app and its route registry (what the OpenAPI document lists). */
export function createApi(deps: ApiDependencies) {
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
  // An error answered before the body was read (413 above all) would leave the rest of the body on a keep-alive
  // socket, where the client's next request meets it: close the connection after any error to a request with a body.
  app.use('*', async (c, next) => {
    await next();
    const hasBody = c.req.header('transfer-encoding') !== undefined || Number(c.req.header('content-length') ?? 0) > 0;
    if (hasBody && c.res.status >= 400 && !c.res.headers.has('x-hono-already-sent')) c.res.headers.set('connection', 'close');
  });
  // First, so preflights are answered and every answer (errors too) carries the headers a listed origin needs.
  app.use('*', createCors(deps.cors ?? noCors));
  app.use('*', observeRequests());
  app.use('*', traceRequests());

  const routes = new RouteRegistry(
    app,
    {
      requireKey: (c) => auth.requireKey(c.req.header('authorization')),
      requireReader: (c, id) => {
        auth.requireReader({ authorization: c.req.header('authorization'), token: c.req.query('token') }, id);
      },
      requireDecider: (c, id) => auth.requireDecider({ authorization: c.req.header('authorization'), token: c.req.query('token') }, id),
    },
    { maxBodyBytes },
  );

  routes.route(
    { method: 'GET', path: '/healthz', operationId: 'health', summary: 'The API process is up', tag: 'operations', auth: 'none', answers: { 200: { description: 'Up.', json: healthSchema } } },
    (c) => c.json({ ok: true as const }),
  );
  // Prometheus text, unauthenticated like /healthz (aggregates only, no run ids); keep it off the public internet.
  routes.route(
    {
      method: 'GET',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics of this API process',
      tag: 'operations',
      auth: 'none',
      answers: { 200: { description: 'Prometheus text exposition format.', media: { type: 'text/plain' } } },
    },
    async (c) => c.body(await metricsText(), 200, { 'content-type': metricsContentType }),
  );

  routes.route(
    {
      method: 'POST',
      path: '/v1/runs',
      operationId: 'createRun',
      summary: 'Enqueue a run',
      description:
        'The same `idempotencyKey` (per API key) answers the same run, also under concurrent retries and after it ended. ' +
        'A large `input` goes to the blob store, never into workflow history.',
      tag: 'runs',
      auth: 'key',
      body: createRunRequestSchema,
      maxBodyBytes: maxRunBodyBytes,
      answers: { 201: { description: 'Enqueued (or the run this idempotency key already started).', json: createdRunSchema } },
      errors: ['rate_limited', 'conflict', 'unavailable'],
    },
    async (c, { body, keyId }) => {
      await deps.limits?.checkRate(keyId);
      const runId = deps.runs.runIdFor(body, { keyId });
      const slot = await deps.limits?.reserve(keyId, runId, (id) => deps.runs.isActive(id));
      let run: Awaited<ReturnType<RunService['enqueue']>>;
      try {
        run = await deps.runs.enqueue(body, { keyId, runId });
      } catch (error) {
        if (slot?.added) await deps.limits?.release(keyId, runId);
        throw error;
      }
      const { token, expiresAt } = deps.viewerTokens.issue(run.id);
      const eventsUrl = new URL(`/v1/runs/${run.id}/events`, c.req.url).toString();
      const viewerUrl = new URL(`/runs/${run.id}?token=${encodeURIComponent(token)}`, c.req.url).toString();
      return c.json({ id: run.id, status: run.status, viewerToken: token, viewerTokenExpiresAt: new Date(expiresAt * 1000).toISOString(), eventsUrl, viewerUrl }, 201);
    },
  );

  routes.route(
    {
      method: 'GET',
      path: '/v1/runs',
      operationId: 'listRuns',
      summary: 'Recent runs, newest first (Temporal visibility)',
      tag: 'runs',
      auth: 'key',
      query: runListQuerySchema,
      answers: { 200: { description: 'The runs.', json: runListSchema } },
    },
    async (c, { query }) => c.json({ runs: await deps.runs.list({ limit: query.limit }) }),
  );

  routes.route(
    {
      method: 'GET',
      path: '/v1/runs/:id',
      operationId: 'getRun',
      summary: 'A run: status, result or error, stall, resume links',
      tag: 'runs',
      auth: 'key',
      params: runParamsSchema,
      answers: { 200: { description: "The run; a thread's turn still queued has only `id` and `status: queued`.", json: runAnswerSchema } },
    },
    async (c, { params }) => {
      try {
        return c.json(await deps.runs.get(params.id));
      } catch (error) {
        // A thread's turn waiting its turn has no workflow yet, but it is a run: queued.
        if (error instanceof RunNotFoundError && (await deps.threads?.hasQueuedTurn(params.id))) return c.json({ id: params.id, status: 'queued' as const });
        throw error;
      }
    },
  );

  // A fresh viewer token for a run (they expire, 15 minutes by default): key holders only.
  routes.route(
    {
      method: 'POST',
      path: '/v1/runs/:id/viewer-token',
      operationId: 'createRunViewerToken',
      summary: 'A fresh read-only viewer token for one run',
      tag: 'runs',
      auth: 'key',
      params: runParamsSchema,
      answers: { 201: { description: 'The token and when it expires.', json: viewerTokenSchema } },
    },
    async (c, { params }) => {
      await deps.runs.describe(params.id); // 404 for an unknown run
      const { token, expiresAt } = deps.viewerTokens.issue(params.id);
      return c.json({ viewerToken: token, expiresAt: new Date(expiresAt * 1000).toISOString() }, 201);
    },
  );

  routes.route(
    {
      method: 'GET',
      path: '/v1/runs/:id/events',
      operationId: 'streamRunEvents',
      summary: "A run's events: its log after Last-Event-ID (or ?after=), then live, until its final event",
      description:
        'Server-Sent Events: `id: <log id>`, `event: <type>`, `data: <RunEvent JSON>`; `retry: 2000` first, a `: keep-alive` comment every 15 s. ' +
        'When the log no longer holds what was asked for, a `snapshot` event comes first.',
      tag: 'runs',
      auth: 'reader',
      params: runParamsSchema,
      query: eventsQuerySchema,
      headers: eventsHeadersSchema,
      answers: eventStreamAnswers,
    },
    (c, { params, query, headers }) =>
      streamRunEvents(deps, params.id, { after: headers['last-event-id'] || query.after, outgoing: c.env.outgoing }),
  );

  mountRunControlRoutes(routes, deps);
  mountApprovalRoutes(routes, deps);
  if (deps.threads) mountThreadRoutes(routes, { ...deps, threads: deps.threads });
  mountCodecRoutes(routes, { codec: deps.payloadCodec });
  mountCatalogueRoutes(routes, deps);
  mountViewerPages(routes);
  mountApiDocs(routes);
  routes.finish();
  return { app, routes };
}

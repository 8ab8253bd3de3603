import type { Context } from 'hono';
import { createThreadRequestSchema, sendMessageRequestSchema } from '../threads/thread-request.js';
import { ThreadNotFoundError, ThreadRefusedError, type ThreadService } from '../threads/thread-service.js';
import { ApiError } from './api-error.js';
import {
  closeThreadAnswerSchema,
  createdThreadSchema,
  eventStreamAnswers,
  eventsHeadersSchema,
  eventsQuerySchema,
  messageAnswerSchema,
  threadAnswerSchema,
  threadParamsSchema,
  viewerTokenSchema,
} from './api-schemas.js';
import type { ApiDependencies, ApiEnv } from './app.js';
import type { RouteRegistry } from './routes.js';
import { streamThreadEvents } from './thread-events-route.js';

/** Thread errors as API errors: unknown 404, closed 409, refused input 400. */
async function asApiErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ThreadNotFoundError) throw new ApiError('not_found', error.message);
    if (error instanceof ThreadRefusedError) {
      throw error.kind === 'closed' ? new ApiError('conflict', error.message) : new ApiError('invalid_request', error.message, [{ path: 'input', message: error.message }]);
    }
    throw error;
  }
}

/**
 * Threads (README "Threads"): create, send a message (a turn, queued and run
 * in order, each a run of its own), read, close, and one event stream across
 * every turn. A thread's viewer token reads the thread and its turns.
 */
export function mountThreadRoutes(routes: RouteRegistry<ApiEnv>, deps: ApiDependencies & { threads: ThreadService }): void {
  const links = (c: Context<ApiEnv>, id: string) => {
    const { token, expiresAt } = deps.viewerTokens.issue(id);
    return {
      viewerToken: token,
      viewerTokenExpiresAt: new Date(expiresAt * 1000).toISOString(),
      eventsUrl: new URL(`/v1/threads/${id}/events`, c.req.url).toString(),
      viewerUrl: new URL(`/threads/${id}?token=${encodeURIComponent(token)}`, c.req.url).toString(),
    };
  };
  const tag = 'threads';

  routes.route(
    {
      method: 'POST',
      path: '/v1/threads',
      operationId: 'createThread',
      summary: "Start a thread: a run's settings without `input`; every turn runs with them",
      tag,
      auth: 'key',
      body: createThreadRequestSchema,
      answers: { 201: { description: 'The thread and a viewer token for it and its turns.', json: createdThreadSchema } },
      errors: ['rate_limited', 'conflict', 'unavailable'],
    },
    async (c, { body, keyId }) => {
      await deps.limits?.checkRate(keyId);
      const { id } = await deps.threads.create(body, { keyId });
      return c.json({ id, ...links(c, id) }, 201);
    },
  );

  routes.route(
    {
      method: 'POST',
      path: '/v1/threads/:id/messages',
      operationId: 'sendThreadMessage',
      summary: 'Send a message: a turn, queued and run in order, each a run of its own',
      tag,
      auth: 'key',
      params: threadParamsSchema,
      body: sendMessageRequestSchema,
      answers: { 202: { description: "The turn's run and its place in the queue.", json: messageAnswerSchema } },
      errors: ['conflict'],
    },
    async (c, { params, body }) => {
      const answer = await asApiErrors(() => deps.threads.send(params.id, body));
      return c.json({ threadId: answer.threadId, runId: answer.runId, turn: answer.turn, position: answer.position }, 202);
    },
  );

  routes.route(
    {
      method: 'GET',
      path: '/v1/threads/:id',
      operationId: 'getThread',
      summary: 'A thread: status, turns, the transcript of its finished turns, usage',
      tag,
      auth: 'key',
      params: threadParamsSchema,
      answers: { 200: { description: 'The thread.', json: threadAnswerSchema } },
    },
    async (c, { params }) => c.json(await asApiErrors(() => deps.threads.get(params.id))),
  );

  routes.route(
    {
      method: 'POST',
      path: '/v1/threads/:id/close',
      operationId: 'closeThread',
      summary: 'Close a thread: queued turns are dropped, the running one finishes',
      tag,
      auth: 'key',
      params: threadParamsSchema,
      answers: { 202: { description: 'Closing, or closed already.', json: closeThreadAnswerSchema } },
    },
    async (c, { params }) => c.json(await asApiErrors(() => deps.threads.close(params.id)), 202),
  );

  routes.route(
    {
      method: 'POST',
      path: '/v1/threads/:id/viewer-token',
      operationId: 'createThreadViewerToken',
      summary: 'A fresh read-only viewer token for a thread and its turns',
      tag,
      auth: 'key',
      params: threadParamsSchema,
      answers: { 201: { description: 'The token and when it expires.', json: viewerTokenSchema } },
    },
    async (c, { params }) => {
      await asApiErrors(() => deps.threads.describe(params.id));
      const { viewerToken, viewerTokenExpiresAt } = links(c, params.id);
      return c.json({ viewerToken, expiresAt: viewerTokenExpiresAt }, 201);
    },
  );

  routes.route(
    {
      method: 'GET',
      path: '/v1/threads/:id/events',
      operationId: 'streamThreadEvents',
      summary: "A thread's events across every turn (`turn.*` and the turns' run events), until `thread.closed`",
      tag,
      auth: 'reader',
      params: threadParamsSchema,
      query: eventsQuerySchema,
      headers: eventsHeadersSchema,
      answers: eventStreamAnswers,
    },
    (c, { params, query, headers }) =>
      asApiErrors(() => streamThreadEvents(deps, params.id, { after: headers['last-event-id'] || query.after, outgoing: c.env.outgoing })),
  );
}

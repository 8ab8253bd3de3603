import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { issuesOf } from '../runs/run-request.js';
import { isThreadId } from '../../workflows/thread-ids.js';
import { createThreadRequestSchema, sendMessageRequestSchema } from '../threads/thread-request.js';
import { ThreadNotFoundError, ThreadRefusedError, type ThreadService } from '../threads/thread-service.js';
import { ApiError } from './api-error.js';
import type { ApiDependencies, ApiEnv } from './app.js';
import { streamThreadEvents } from './thread-events-route.js';

type Auth = {
  requireKey: (c: Context<ApiEnv>) => string;
  requireReader: (c: Context<ApiEnv>, id: string) => void;
};

async function jsonBody<Schema extends z.ZodType>(c: Context<ApiEnv>, schema: Schema): Promise<z.infer<Schema>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ApiError('invalid_request', 'the body is not valid JSON', [{ path: '(body)', message: 'expected a JSON object' }]);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    throw new ApiError('invalid_request', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
  }
  return parsed.data;
}

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
export function mountThreadRoutes(app: Hono<ApiEnv>, deps: ApiDependencies & { threads: ThreadService }, auth: Auth): void {
  const threadIdParam = (c: Context<ApiEnv>): string => {
    const id = c.req.param('id') ?? '';
    if (!isThreadId(id)) throw new ApiError('not_found', `thread ${id} not found`);
    return id;
  };
  const links = (c: Context<ApiEnv>, id: string) => {
    const { token, expiresAt } = deps.viewerTokens.issue(id);
    return {
      viewerToken: token,
      viewerTokenExpiresAt: new Date(expiresAt * 1000).toISOString(),
      eventsUrl: new URL(`/v1/threads/${id}/events`, c.req.url).toString(),
      viewerUrl: new URL(`/threads/${id}?token=${encodeURIComponent(token)}`, c.req.url).toString(),
    };
  };

  app.post('/v1/threads', async (c) => {
    const keyId = auth.requireKey(c);
    const request = await jsonBody(c, createThreadRequestSchema);
    await deps.limits?.checkRate(keyId);
    const { id } = await deps.threads.create(request, { keyId });
    return c.json({ id, ...links(c, id) }, 201);
  });

  app.post('/v1/threads/:id/messages', async (c) => {
    auth.requireKey(c);
    const threadId = threadIdParam(c);
    const request = await jsonBody(c, sendMessageRequestSchema);
    const answer = await asApiErrors(() => deps.threads.send(threadId, request));
    return c.json({ threadId: answer.threadId, runId: answer.runId, turn: answer.turn, position: answer.position }, 202);
  });

  app.get('/v1/threads/:id', async (c) => {
    auth.requireKey(c);
    const threadId = threadIdParam(c);
    return c.json(await asApiErrors(() => deps.threads.get(threadId)));
  });

  app.post('/v1/threads/:id/close', async (c) => {
    auth.requireKey(c);
    const threadId = threadIdParam(c);
    return c.json(await asApiErrors(() => deps.threads.close(threadId)), 202);
  });

  app.post('/v1/threads/:id/viewer-token', async (c) => {
    auth.requireKey(c);
    const threadId = threadIdParam(c);
    await asApiErrors(() => deps.threads.describe(threadId));
    const { viewerToken, viewerTokenExpiresAt } = links(c, threadId);
    return c.json({ viewerToken, expiresAt: viewerTokenExpiresAt }, 201);
  });

  app.get('/v1/threads/:id/events', async (c) => {
    const threadId = threadIdParam(c);
    auth.requireReader(c, threadId);
    return asApiErrors(() =>
      streamThreadEvents(deps, threadId, { after: c.req.header('last-event-id') || c.req.query('after'), outgoing: c.env.outgoing }),
    );
  });
}

import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { issuesOf } from '../runs/run-request.js';
import { ApiError, type ApiErrorType } from './api-error.js';

/**
 * Routes that describe themselves. A route is registered with its method,
 * path, auth, parameter/query/header/body schemas and answers in one place;
 * the registry mounts it on the app (checking those schemas, so what is
 * documented is what is enforced) and keeps the description, from which
 * openapi.ts generates the OpenAPI document. A route cannot be served without
 * being documented, nor documented without being served.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/**
 * `key`: an API key; `reader`: a key or the viewer token of the resource named
 * by `:id`; `decider`: an API key, a viewer token of `:id` refused with 403
 * (it may watch, not change); `none`: open.
 */
export type RouteAuth = 'none' | 'key' | 'reader' | 'decider';

export interface AnswerDescription {
  description: string;
  /** A JSON body and its schema. */
  json?: z.ZodType;
  /** A body of another media type (`text/html`, `text/event-stream`…); `itemSchema`: the schema of each streamed item. */
  media?: { type: string; itemSchema?: z.ZodType; itemDescription?: string };
  /** Answer headers worth naming, with what they say. */
  headers?: Record<string, string>;
}

export interface RouteDescription {
  method: HttpMethod;
  /** Hono syntax: `/v1/runs/:id`. */
  path: string;
  /** Stable name for generated clients. */
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  /** Every `:name` of the path. A value the schema refuses names nothing: `404`. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the route reads (lower case), besides Authorization. */
  headers?: z.ZodObject;
  /** A JSON body: `415` for another content type, `400` for bad JSON or a value the schema refuses. */
  body?: z.ZodType;
  /** The body may be left out (no bytes at all): the handler gets `undefined`. */
  bodyOptional?: boolean;
  /** The body limit; the registry's default when unset. `413` above it. */
  maxBodyBytes?: number;
  /** Success answers by status. */
  answers: Record<number, AnswerDescription>;
  /** Errors beyond those the description implies (auth, params, query, headers, body). */
  errors?: ApiErrorType[];
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<D extends RouteDescription> {
  params: Output<D['params']>;
  query: Output<D['query']>;
  headers: Output<D['headers']>;
  body: Output<D['body']>;
  /** The caller's API key id (`key` routes), as limits and idempotency scope by it. */
  keyId: D['auth'] extends 'key' | 'decider' ? string : undefined;
}

export type RouteHandler<E extends Env, D extends RouteDescription> = (c: Context<E>, input: RouteInput<D>) => Response | Promise<Response>;

export interface RouteGuards<E extends Env> {
  requireKey: (c: Context<E>) => string;
  /** Read access to the resource `id` (a run or a thread): a key, or its viewer token. */
  requireReader: (c: Context<E>, id: string) => void;
  /** An API key that may change the run `id`; its viewer token: 403. */
  requireDecider: (c: Context<E>, id: string) => string;
}

/** The errors a description implies, with those it names: what the document lists for it. */
export function errorsOf(route: RouteDescription): ApiErrorType[] {
  const errors = new Set<ApiErrorType>(route.errors ?? []);
  if (route.auth !== 'none') errors.add('unauthorized');
  if (route.auth === 'reader' || route.auth === 'decider') errors.add('forbidden');
  if (route.params) errors.add('not_found');
  if (route.query || route.headers || route.body) errors.add('invalid_request');
  if (route.body) {
    errors.add('payload_too_large');
    errors.add('unsupported_media_type');
  }
  return [...errors];
}

const refusal = (error: z.ZodError, type: ApiErrorType = 'invalid_request') => {
  const issues = issuesOf(error);
  return new ApiError(type, issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
};

/** `application/json` and `application/*+json`, with or without parameters. */
const isJsonType = (value: string | undefined) => value !== undefined && /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(value.trim());

export class RouteRegistry<E extends Env> {
  private readonly described: RouteDescription[] = [];
  private finished = false;

  constructor(
    private readonly app: Hono<E>,
    private readonly guards: RouteGuards<E>,
    private readonly defaults: { maxBodyBytes: number },
  ) {}

  /** Every route registered, in order. */
  get routes(): readonly RouteDescription[] {
    return this.described;
  }

  route<const D extends RouteDescription>(description: D, handler: RouteHandler<E, D>): void {
    if (this.finished) throw new Error(`route ${description.method} ${description.path} registered after the registry finished`);
    if (this.described.some((route) => route.method === description.method && route.path === description.path)) {
      throw new Error(`route ${description.method} ${description.path} registered twice`);
    }
    this.described.push(description);
    const middleware: MiddlewareHandler<E>[] = [];
    if (description.method !== 'GET') {
      const maxSize = description.maxBodyBytes ?? this.defaults.maxBodyBytes;
      // Before anything reads it, so an oversized body is refused without being read whole.
      middleware.push(
        bodyLimit({
          maxSize,
          onError: () => {
            throw new ApiError('payload_too_large', `the body is larger than ${maxSize} bytes`);
          },
        }),
      );
    }
    const handle: MiddlewareHandler<E> = async (c) => handler(c, await this.inputOf(c, description));
    this.app.on(description.method, [description.path], ...middleware, handle);
  }

  private async inputOf<D extends RouteDescription>(c: Context<E>, route: D): Promise<RouteInput<D>> {
    // A key route says 401 before anything about the request; a reader route needs the resource's id first.
    const keyId = route.auth === 'key' ? this.guards.requireKey(c) : undefined;
    let params: unknown;
    if (route.params) {
      const parsed = route.params.safeParse(c.req.param());
      if (!parsed.success) throw new ApiError('not_found', `${c.req.path}: ${parsed.error.issues[0]?.message ?? 'not found'}`);
      params = parsed.data;
    }
    const id = (params as { id?: string } | undefined)?.id ?? '';
    if (route.auth === 'reader') this.guards.requireReader(c, id);
    const caller = route.auth === 'decider' ? this.guards.requireDecider(c, id) : keyId;
    let query: unknown;
    if (route.query) {
      const parsed = route.query.safeParse(c.req.query());
      if (!parsed.success) throw refusal(parsed.error);
      query = parsed.data;
    }
    let headers: unknown;
    if (route.headers) {
      const parsed = route.headers.safeParse(c.req.header());
      if (!parsed.success) throw refusal(parsed.error);
      headers = parsed.data;
    }
    let body: unknown;
    const absent = route.bodyOptional === true && (await c.req.text()) === '';
    if (route.body && !absent) {
      const contentType = c.req.header('content-type');
      if (!isJsonType(contentType)) {
        throw new ApiError('unsupported_media_type', `the body must be JSON: send Content-Type: application/json${contentType ? ` (not ${contentType})` : ''}`);
      }
      let json: unknown;
      try {
        json = await c.req.json();
      } catch (error) {
        if (error instanceof ApiError) throw error; // the body limit, while reading
        throw new ApiError('invalid_request', 'the body is not valid JSON', [{ path: '(body)', message: 'expected a JSON object' }]);
      }
      const parsed = route.body.safeParse(json);
      if (!parsed.success) throw refusal(parsed.error);
      body = parsed.data;
    }
    return { params, query, headers, body, keyId: caller } as RouteInput<D>;
  }

  /**
   * After the last route: a method a path does not declare answers `405`
   * with `Allow`, rather than the `404` of a path that does not exist.
   */
  finish(): void {
    this.finished = true;
    const byPath = new Map<string, string[]>();
    for (const route of this.described) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route.method]);
    for (const [path, methods] of byPath) {
      // Hono answers HEAD with the GET route.
      const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
      this.app.all(path, (c) => {
        throw new ApiError('method_not_allowed', `${c.req.method} is not allowed on ${route(path)}: use ${allow}`, undefined, { allow });
      });
    }
  }
}

const route = (path: string) => path.replace(/:(\w+)/g, '{$1}');

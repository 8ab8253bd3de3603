import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import type { ApiEnv } from './app.js';

/**
 * Cross-origin access, opt-in per origin. Two kinds of route:
 * - the events streams (`GET /v1/runs/:id/events`, `/v1/threads/:id/events`):
 *   read-only, and a browser reaches them with a viewer token scoped to one
 *   run and expiring. Origins in RUNSTREAM_CORS_ORIGINS (or `*`, these routes only).
 * - every other route under /v1 needs an API key, which a browser page should
 *   normally never hold: only origins in RUNSTREAM_CORS_KEY_ORIGINS, never `*`.
 * Credentials mode is never allowed (no cookies are used), and an origin not
 * listed gets no CORS headers, so the browser refuses to hand the answer over.
 */
export interface CorsSettings {
  /** Origins allowed on the events streams; `'*'` for any. */
  viewerOrigins: readonly string[] | '*';
  /** Origins allowed on every /v1 route, with an API key. */
  keyOrigins: readonly string[];
}

export const noCors: CorsSettings = { viewerOrigins: [], keyOrigins: [] };

const eventsRoute = /^\/v1\/(runs|threads)\/[^/]+\/events$/;
const codecRoute = /^\/v1\/codec\/(encode|decode)$/;
const viewerHeaders = ['last-event-id', 'cache-control', 'accept'];
const keyHeaders = [...viewerHeaders, 'authorization', 'content-type'];
const keyMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const maxAgeSeconds = '600';

/** `scheme://host[:port]` as browsers send it in `Origin`: no path, no trailing slash, lower case. */
const originSchema = z.string().transform((value, ctx) => {
  const trimmed = value.trim().replace(/\/$/, '');
  if (!URL.canParse(trimmed)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin such as https://app.example.com` });
    return z.NEVER;
  }
  const url = new URL(trimmed);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== trimmed.toLowerCase()) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin such as https://app.example.com (scheme, host and port only)` });
    return z.NEVER;
  }
  return url.origin;
});

function parseOrigins(name: string, value: string | undefined, allowAny: boolean): string[] | '*' {
  const items = (value ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  if (items.includes('*')) {
    if (!allowAny) throw new ConfigError(`${name}: "*" is not allowed here; list the origins that may use an API key`);
    if (items.length > 1) throw new ConfigError(`${name}: "*" stands alone (any origin), or list origins`);
    return '*';
  }
  const parsed = z.array(originSchema).safeParse(items);
  if (!parsed.success) throw new ConfigError(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid origin'}`);
  return parsed.data;
}

/** RUNSTREAM_CORS_ORIGINS and RUNSTREAM_CORS_KEY_ORIGINS, comma separated; unset means no cross-origin access. */
export function corsFromEnv(source: NodeJS.ProcessEnv): CorsSettings {
  const keyOrigins = parseOrigins('RUNSTREAM_CORS_KEY_ORIGINS', source.RUNSTREAM_CORS_KEY_ORIGINS, false) as string[];
  return { viewerOrigins: parseOrigins('RUNSTREAM_CORS_ORIGINS', source.RUNSTREAM_CORS_ORIGINS, true), keyOrigins };
}

interface Grant {
  allowOrigin: string;
  methods: readonly string[];
  headers: readonly string[];
}

/** What an origin may do on a path; undefined when it may not (or the path is not cross-origin at all). */
function grantFor(settings: CorsSettings, origin: string, path: string): Grant | undefined {
  if (!path.startsWith('/v1/')) return undefined;
  const keyOrigin = settings.keyOrigins.includes(origin);
  if (eventsRoute.test(path)) {
    if (keyOrigin) return { allowOrigin: origin, methods: ['GET'], headers: keyHeaders };
    if (settings.viewerOrigins === '*') return { allowOrigin: '*', methods: ['GET'], headers: viewerHeaders };
    if (settings.viewerOrigins.includes(origin)) return { allowOrigin: origin, methods: ['GET'], headers: viewerHeaders };
    return undefined;
  }
  // The Temporal UI names the namespace in a header of its own when it asks the codec server.
  if (keyOrigin && codecRoute.test(path)) return { allowOrigin: origin, methods: ['POST'], headers: [...keyHeaders, 'x-namespace'] };
  return keyOrigin ? { allowOrigin: origin, methods: keyMethods, headers: keyHeaders } : undefined;
}

export function createCors(settings: CorsSettings): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (!origin) return next();
    const grant = grantFor(settings, origin, c.req.path);
    const requestedMethod = c.req.header('access-control-request-method');
    if (c.req.method === 'OPTIONS' && requestedMethod) {
      const refusal = preflightRefusal(grant, requestedMethod, c.req.header('access-control-request-headers'), c.req.path);
      // A refused preflight carries no CORS headers: the browser blocks the request and shows why in its console.
      if (refusal) return c.json({ error: { type: 'forbidden', message: refusal } }, 403);
      return c.body(null, 204, {
        'access-control-allow-origin': grant!.allowOrigin,
        'access-control-allow-methods': grant!.methods.join(', '),
        'access-control-allow-headers': grant!.headers.join(', '),
        'access-control-max-age': maxAgeSeconds,
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      });
    }
    if (!grant) return next();
    const headers: Record<string, string> = { 'access-control-allow-origin': grant.allowOrigin, vary: 'Origin', 'access-control-expose-headers': 'retry-after' };
    // The events stream writes to the socket itself, so its headers go on the Node response before it opens.
    const outgoing = c.env?.outgoing;
    if (outgoing && !outgoing.headersSent) for (const [name, value] of Object.entries(headers)) outgoing.setHeader(name, value);
    await next();
    if (c.res.headers.has('x-hono-already-sent')) return;
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}

function preflightRefusal(grant: Grant | undefined, method: string, requestedHeaders: string | undefined, path: string): string | undefined {
  if (!grant) {
    return eventsRoute.test(path)
      ? 'this origin is not allowed: the API lists it in RUNSTREAM_CORS_ORIGINS to let its pages stream events'
      : 'this origin may not call key-holding routes: only origins in RUNSTREAM_CORS_KEY_ORIGINS may';
  }
  if (!grant.methods.includes(method.toUpperCase())) return `${method} is not allowed from another origin on this route`;
  const headers = (requestedHeaders ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name.length > 0);
  const refused = headers.filter((name) => !grant.headers.includes(name));
  if (refused.length === 0) return undefined;
  if (refused.includes('authorization')) return 'an API key (Authorization) is allowed only from origins in RUNSTREAM_CORS_KEY_ORIGINS; pages use ?token=<viewerToken>';
  return `request headers not allowed from another origin: ${refused.join(', ')}`;
}

import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { isRunId } from '../runs/run-service.js';
import { logger, type Logger } from './logger.js';
import { httpRequests } from './metrics.js';

type ObservedEnv = { Bindings: HttpBindings };

const requestLoggers = new WeakMap<Request, Logger>();
const incomingId = /^[\w.:-]{1,128}$/;

/** The logger of a request (requestId, and runId where the path names a run); the process's outside a request. */
export function requestLogger(c: Context): Logger {
  return requestLoggers.get(c.req.raw) ?? logger();
}

function runIdOf(path: string): string | undefined {
  const id = /\/runs\/([^/]+)/.exec(path)?.[1];
  return id && isRunId(id) ? id : undefined;
}

/**
 * Every API request: a request id (the caller's `x-request-id` when it is a
 * plain token, else a new one; echoed in the answer), one log line when it
 * is answered (an event stream: when it ends), and the request counter.
 * The query string is never logged: it may hold a viewer token.
 */
export function observeRequests(): MiddlewareHandler<ObservedEnv> {
  return async (c, next) => {
    const started = performance.now();
    const offered = c.req.header('x-request-id');
    const requestId = offered && incomingId.test(offered) ? offered : randomUUID();
    const runId = runIdOf(c.req.path);
    const log = logger().child({ requestId, ...(runId ? { runId } : {}) });
    requestLoggers.set(c.req.raw, log);
    // On Node's response, so event streams (written past Hono) carry it too.
    c.env.outgoing.setHeader('x-request-id', requestId);
    try {
      await next();
    } finally {
      const status = c.env.outgoing.headersSent ? c.env.outgoing.statusCode : c.res.status;
      httpRequests.inc({ route: c.req.routePath, status: `${Math.floor(status / 100)}xx` });
      log.info(
        { method: c.req.method, route: c.req.routePath, path: c.req.path, status, durationMs: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}

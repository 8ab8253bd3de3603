import type { MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { tracing } from './tracing.js';

/**
 * A server span per API request, active while it is handled, so the workflow
 * it starts (the Temporal client interceptor) and everything that workflow
 * runs join the request's trace. Only mounted when tracing is on.
 */
export function traceRequests(): MiddlewareHandler<{ Bindings: HttpBindings }> {
  return async (c, next) => {
    const active = tracing();
    if (!active) return next();
    // SpanKind.SERVER is 1; the API package's enum is not imported so that nothing of OpenTelemetry loads when off.
    return active.tracer.startActiveSpan(`${c.req.method} ${c.req.path}`, { kind: 1, attributes: { 'http.request.method': c.req.method } }, async (span) => {
      try {
        await next();
      } finally {
        const status = c.env.outgoing.headersSent ? c.env.outgoing.statusCode : c.res.status;
        // Named by route pattern once routing matched, so span names stay bounded (never a run id).
        span.updateName(`${c.req.method} ${c.req.routePath}`);
        span.setAttributes({ 'http.route': c.req.routePath, 'http.response.status_code': status });
        if (status >= 500) span.setStatus({ code: 2 });
        span.end();
      }
    });
  };
}

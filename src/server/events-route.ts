import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { followRun, SlowConsumerError } from '../bus/follow-run.js';
import { isStreamId } from '../bus/stream-id.js';
import { ApiError } from './api-error.js';
import type { ApiDependencies } from './app.js';
import { buildSnapshot, nextId, startingPoint } from './run-snapshot.js';
import { SseResponse } from './sse-response.js';

export interface SseSettings {
  heartbeatMs: number;
  retryMs: number;
  /** Unsent bytes a viewer may fall behind by before it is cut off. */
  maxBufferedBytes: number;
}

export const defaultSseSettings: SseSettings = { heartbeatMs: 15_000, retryMs: 2_000, maxBufferedBytes: 4 * 1024 * 1024 };

/**
 * `GET /v1/runs/:id/events`: the run's log after Last-Event-ID (or ?after=),
 * then live, as SSE whose ids are the log ids; ends after the final event.
 * A snapshot from the workflow comes first when the log no longer covers the id.
 */
export async function streamRunEvents(
  deps: Pick<ApiDependencies, 'log' | 'live' | 'runs' | 'sse'>,
  runId: string,
  request: { after: string | undefined; outgoing: ServerResponse },
): Promise<Response> {
  const after = request.after || undefined;
  if (after !== undefined && !isStreamId(after)) {
    throw new ApiError('invalid_request', 'Last-Event-ID / after must be an event id such as 1700000000000-0', [
      { path: 'after', message: 'not an event id' },
    ]);
  }
  const start = await startingPoint(deps.log, deps.runs, runId, after);

  const settings = { ...defaultSseSettings, ...deps.sse };
  const sse = new SseResponse(request.outgoing, settings);
  const abort = new AbortController();
  void sse.closed.then(() => abort.abort());
  sse.open();
  try {
    if (start.snapshot && !sse.send(start.snapshot.id, 'snapshot', start.snapshot.json)) return RESPONSE_ALREADY_SENT;
    if (start.ended) return RESPONSE_ALREADY_SENT;
    let lastSent = start.after;
    for await (const entry of followRun(deps.log, deps.live, runId, { after: start.after, signal: abort.signal, untilCaughtUp: start.closed })) {
      if (!sse.send(entry.id, entry.event.type, entry.json)) return RESPONSE_ALREADY_SENT;
      lastSent = entry.id;
    }
    if (start.needsClosingSnapshot && sse.isOpen) {
      const closing = await buildSnapshot(deps.runs, runId, nextId(lastSent ?? `${Date.now()}-0`), lastSent);
      sse.send(closing.id, 'snapshot', closing.json);
    }
  } catch (error) {
    if (!(error instanceof SlowConsumerError)) console.error('runstream api: event stream failed', error);
  } finally {
    sse.end();
  }
  return RESPONSE_ALREADY_SENT;
}

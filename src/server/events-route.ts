import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { followRunBatches, isLiveBatch, SlowConsumerError } from '../bus/follow-run.js';
import { sseViewers, sseViewersCutOff } from '../observability/metrics.js';
import { recordRelay } from '../observability/relay-metrics.js';
import { logger } from '../observability/logger.js';
import { isStreamId } from '../protocol/stream-id.js';
import { isTerminalEvent } from '../protocol/index.js';
import { RunNotFoundError, statusOf } from '../runs/run-service.js';
import { ApiError } from './api-error.js';
import type { ApiDependencies } from './app.js';
import { RunCloseWatch } from './run-close-watch.js';
import { buildSnapshot, lastLogEntry, nextId, startingPoint, type StartingPoint } from './run-snapshot.js';
import { SseResponse } from './sse-response.js';

export interface SseSettings {
  heartbeatMs: number;
  retryMs: number;
  /** Unsent bytes a viewer may hold back before the stream waits for it to drain. */
  maxBufferedBytes: number;
  /** Live events held for a viewer while it drains; past this it is cut off. */
  maxBufferedEvents: number;
  /** A viewer that takes no bytes for this long is cut off. */
  stallTimeoutMs: number;
}

/** Counters an operator (and a test) can read: streams open now, and viewers cut off for falling behind. */
export interface StreamStats {
  open: number;
  cutOff: number;
  /** The streams open now, so a shutting-down process can hand each viewer over (`SseResponse.handOver`). */
  streams?: Set<SseResponse>;
}

export const defaultSseSettings: SseSettings = {
  heartbeatMs: 15_000,
  retryMs: 2_000,
  maxBufferedBytes: 1024 * 1024,
  maxBufferedEvents: 10_000,
  stallTimeoutMs: 30_000,
};

const closeWatches = new WeakMap<object, RunCloseWatch>();
/** One close watch per run service (per API process), shared by its viewers. */
const closeWatch = (deps: Pick<ApiDependencies, 'runs'>) => {
  let watch = closeWatches.get(deps.runs);
  if (!watch) closeWatches.set(deps.runs, (watch = new RunCloseWatch(deps.runs)));
  return watch;
};

/**
 * `GET /v1/runs/:id/events`: the run's log after Last-Event-ID (or ?after=),
 * then live, as SSE whose ids are the log ids; ends after the final event.
 * A snapshot from the workflow comes first when the log no longer covers the id.
 */
export async function streamRunEvents(
  deps: Pick<ApiDependencies, 'log' | 'live' | 'runs' | 'threads' | 'sse' | 'streamStats'>,
  runId: string,
  request: { after: string | undefined; outgoing: ServerResponse },
): Promise<Response> {
  const after = request.after || undefined;
  if (after !== undefined && !isStreamId(after)) {
    throw new ApiError('invalid_request', 'Last-Event-ID / after must be an event id such as 1700000000000-0', [
      { path: 'after', message: 'not an event id' },
    ]);
  }
  const start: StartingPoint = await startingPoint(deps.log, deps.runs, runId, after).catch(async (error: unknown) => {
    // A thread's queued turn has no workflow yet: its log starts when the thread starts it.
    if (error instanceof RunNotFoundError && after === undefined && (await deps.threads?.hasQueuedTurn(runId))) return { after, ended: false, closed: false };
    throw error;
  });

  const settings = { ...defaultSseSettings, ...deps.sse };
  const sse = new SseResponse(request.outgoing, { ...settings, registry: deps.streamStats?.streams });
  const abort = new AbortController();
  void sse.closed.then(() => abort.abort());
  const stats = deps.streamStats;
  sse.open();
  sseViewers.inc();
  if (stats) stats.open++;
  try {
    if (start.snapshot && !sse.send(start.snapshot.id, 'snapshot', start.snapshot.json)) return RESPONSE_ALREADY_SENT;
    if (start.ended) return RESPONSE_ALREADY_SENT;
    let lastSent = start.after;
    let sawFinal = false;
    const follow = async (options: { untilCaughtUp: boolean; signal: AbortSignal }) => {
      const following = followRunBatches(deps.log, deps.live, runId, {
        after: lastSent,
        signal: options.signal,
        untilCaughtUp: options.untilCaughtUp,
        maxBuffered: settings.maxBufferedEvents,
        // Live events pile up while this viewer drains: past the bound, drop it rather than grow.
        onOverflow: () => sse.cutOff(),
      });
      for await (const batch of following) {
        if (!sse.sendEntries(batch)) return false;
        recordRelay(batch, isLiveBatch(batch));
        const last = batch.at(-1)!;
        lastSent = last.id;
        sawFinal ||= isTerminalEvent(last.event);
        // Replayed entries wait in the log, not here: pull the next one only once the viewer keeps up.
        if (sse.congested && !(await sse.drained(settings.stallTimeoutMs))) return false;
      }
      return sse.isOpen;
    };

    let runClosed = start.closed;
    if (!start.closed) {
      // While live, look now and then whether the run closed without a final event (terminated).
      const live = new AbortController();
      const stopLive = () => live.abort();
      abort.signal.addEventListener('abort', stopLive, { once: true });
      const watch = setInterval(() => {
        void closeWatch(deps).isClosed(runId).then((closed) => {
          if (closed) {
            runClosed = true;
            live.abort();
          }
        });
      }, settings.heartbeatMs);
      try {
        if (!(await follow({ untilCaughtUp: false, signal: live.signal }))) return RESPONSE_ALREADY_SENT;
      } finally {
        clearInterval(watch);
        abort.signal.removeEventListener('abort', stopLive);
      }
    }
    // A closed run: whatever the log still holds, then, if it never logged a final event, a snapshot that ends it.
    if (runClosed && !sawFinal && !abort.signal.aborted) {
      if (!(await follow({ untilCaughtUp: true, signal: abort.signal }))) return RESPONSE_ALREADY_SENT;
      // Unless the final event was logged at or before the id the viewer resumed after: then it has it already.
      if (!sawFinal && !(await lastLogEntry(deps.log, runId))?.terminal) {
        const status = statusOf(await deps.runs.describe(runId));
        const closing = await buildSnapshot(deps.runs, runId, status, nextId(lastSent ?? `${Date.now() - 1}-0`), lastSent);
        sse.send(closing.id, 'snapshot', closing.json);
      }
    }
  } catch (error) {
    if (!(error instanceof SlowConsumerError)) logger().error({ err: error, runId }, 'event stream failed');
    else sse.cutOff();
  } finally {
    sse.end();
    sseViewers.dec();
    if (sse.wasCutOff) sseViewersCutOff.inc();
    if (stats) {
      stats.open--;
      if (sse.wasCutOff) stats.cutOff++;
    }
  }
  return RESPONSE_ALREADY_SENT;
}

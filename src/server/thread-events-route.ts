import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { followRunBatches, SlowConsumerError } from '../bus/follow-run.js';
import type { RunLog } from '../bus/run-log.js';
import type { LiveSubscriptions } from '../bus/live-subscriptions.js';
import { compareStreamIds, isStreamId, nextStreamId } from '../protocol/stream-id.js';
import type { ParsedRunEvent, RunEventOf } from '../protocol/index.js';
import type { ThreadService } from '../threads/thread-service.js';
import { ApiError } from './api-error.js';
import { defaultSseSettings, type SseSettings, type StreamStats } from './events-route.js';
import { SseResponse } from './sse-response.js';

const isThreadEnd = (event: ParsedRunEvent) => event.type === 'thread.closed';

export interface ThreadStreamDependencies {
  log: RunLog;
  live: LiveSubscriptions;
  threads: ThreadService;
  sse?: Partial<SseSettings> | undefined;
  streamStats?: StreamStats;
}

/**
 * `GET /v1/threads/:id/events`: the thread's one log — its turns' events,
 * appended there with their runs' own (same script call, ids of the thread's
 * log), and `turn.*` events — after Last-Event-ID, then live; ends after
 * `thread.closed`. One log, so an id is a plain log id, as for runs, and
 * resuming across turns needs nothing more. When trimming or expiry took
 * part of what the viewer asks for, a snapshot of the thread's transcript
 * (its finished turns) comes first, as for runs.
 */
export async function streamThreadEvents(
  deps: ThreadStreamDependencies,
  threadId: string,
  request: { after: string | undefined; outgoing: ServerResponse },
): Promise<Response> {
  const after = request.after || undefined;
  if (after !== undefined && !isStreamId(after)) {
    throw new ApiError('invalid_request', 'Last-Event-ID / after must be an event id such as 1700000000000-0', [{ path: 'after', message: 'not an event id' }]);
  }
  const { coverage, last } = await deps.log.inspect(threadId, after);
  let snapshot: { id: string; json: string } | undefined;
  let closed = last !== undefined && last.json.includes('"type":"thread.closed"');
  if (coverage !== 'covered') {
    const view = await deps.threads.get(threadId); // 404 for an unknown thread, before the stream opens
    closed = view.status === 'closed';
    if (coverage === 'gap' || after !== undefined || closed) {
      const base = last?.id ?? `${Date.now() - 1}-0`;
      const id = after !== undefined && compareStreamIds(base, after) <= 0 ? nextStreamId(after) : base;
      const event: RunEventOf<'snapshot'> = { type: 'snapshot', runId: threadId, at: new Date().toISOString(), status: view.status, messages: view.messages };
      snapshot = { id, json: JSON.stringify(event) };
    }
  }

  const settings = { ...defaultSseSettings, ...deps.sse };
  const sse = new SseResponse(request.outgoing, { ...settings, registry: deps.streamStats?.streams });
  const abort = new AbortController();
  void sse.closed.then(() => abort.abort());
  const stats = deps.streamStats;
  sse.open();
  if (stats) stats.open++;
  let lastSent = snapshot?.id ?? after;
  try {
    if (snapshot && !sse.send(snapshot.id, 'snapshot', snapshot.json)) return RESPONSE_ALREADY_SENT;
    // A thread stopped from outside never logs `thread.closed`: look now and then, and end once it is replayed.
    const live = new AbortController();
    abort.signal.addEventListener('abort', () => live.abort(), { once: true });
    const watch = setInterval(() => {
      void deps.threads.isClosed(threadId).then(
        (isClosed) => {
          if (isClosed) live.abort();
        },
        () => undefined,
      );
    }, settings.heartbeatMs);
    try {
      for (const untilCaughtUp of closed ? [true] : [false, true]) {
        if (abort.signal.aborted) break;
        const following = followRunBatches(deps.log, deps.live, threadId, {
          after: lastSent,
          signal: untilCaughtUp ? abort.signal : live.signal,
          untilCaughtUp,
          isLast: isThreadEnd,
          maxBuffered: settings.maxBufferedEvents,
          onOverflow: () => sse.cutOff(),
        });
        let ended = false;
        for await (const batch of following) {
          if (!sse.sendEntries(batch)) return RESPONSE_ALREADY_SENT;
          lastSent = batch.at(-1)!.id;
          ended ||= batch.some((entry) => isThreadEnd(entry.event));
          if (sse.congested && !(await sse.drained(settings.stallTimeoutMs))) return RESPONSE_ALREADY_SENT;
        }
        if (ended) break;
      }
    } finally {
      clearInterval(watch);
    }
  } catch (error) {
    if (!(error instanceof SlowConsumerError)) console.error('runstream api: thread event stream failed', error);
    else sse.cutOff();
  } finally {
    sse.end();
    if (stats) {
      stats.open--;
      if (sse.wasCutOff) stats.cutOff++;
    }
  }
  return RESPONSE_ALREADY_SENT;
}

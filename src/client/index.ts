import * as z from 'zod';
import { compareStreamIds, isStreamId } from '../protocol/stream-id.js';
import {
  emptyRunView,
  foldRun,
  isFinalEvent,
  MalformedEventError,
  parseRunEventJson,
  type LoggedEvent,
  type ParsedRunEvent,
  type RunEvent,
  type RunEventOf,
  type RunView,
  type TerminalEvent,
} from '../protocol/index.js';
import type { RunResult } from '../protocol/messages.js';
import { bodyBytes, parseSseStream } from '../protocol/sse.js';
import type { CreateRunRequest, RunBudgetRequest as Budget } from '../runs/run-request.js';
import type { RunSummary, RunView as RunDetails } from '../runs/run-service.js';
import { RunstreamApiError } from './api-client-error.js';
import { createRunStream, type RunStream } from './run-stream.js';
import { createThreads } from './threads.js';
import { hasZodOutput, parseTypedResult, toWireRequest, zodSchemaOf, type TypedRunRequest, type TypedRunResult } from './typed-output.js';

export { RunstreamApiError } from './api-client-error.js';
export type { RunStream } from './run-stream.js';
export type { CreateThreadOptions, SentMessage, Thread, ThreadDetails, TurnStream } from './threads.js';
export type { TypedOutput, TypedRunRequest, TypedRunResult } from './typed-output.js';
export { parseTypedResult } from './typed-output.js';
export type { CreateRunRequest } from '../runs/run-request.js';
export type { RunSummary } from '../runs/run-service.js';
/** A run as `GET /v1/runs/:id` answers it (`client.get`). */
export type { RunView as RunDetails } from '../runs/run-service.js';
export type { RunResult } from '../protocol/messages.js';
/** `RunView` is the state `client.watch()` yields, folded from the events (`foldRun` of `runstream/events`). */
export type { LoggedEvent, ParsedRunEvent, RunEvent, RunView, StepView, ThreadView, ToolCallView, UnknownRunEvent } from '../protocol/index.js';
export { MalformedEventError } from '../protocol/index.js';

export interface ClientOptions {
  url: string;
  /**
   * For every route. Leave it out in a browser: a page reads a run with its
   * viewer token (`subscribe(runId, { token })`) and never holds a key.
   */
  apiKey?: string | undefined;
  fetch?: typeof fetch;
  /** First reconnect delay; doubles up to 10 s, and follows the server's `retry:` hint. */
  reconnectDelayMs?: number;
}

export interface EnqueuedRun {
  id: string;
  status: string;
  /** Read-only, for this run only; expires (`viewerTokenExpiresAt`), renew with `viewerToken(runId)`. */
  viewerToken: string;
  viewerTokenExpiresAt: string;
  eventsUrl: string;
  /** The viewer page for this run, with the viewer token. */
  viewerUrl: string;
}

/** The last event of a run's stream (a terminal event, or a snapshot of an ended run). */
export { isFinalEvent, isFinalEvent as isFinal } from '../protocol/index.js';

export interface SubscribeOptions {
  /** Start after this event id (exclusive). */
  after?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Called before each reconnect, for progress indicators. */
  onReconnect?: (info: { attempt: number; lastEventId: string | undefined; error: unknown }) => void;
  /** Called each time the stream is open (first connect and every reconnect). */
  onOpen?: () => void;
  /**
   * The run's viewer token instead of the API key: read-only, this run only.
   * A function is asked again on every (re)connect, so it can hand out a
   * renewed token; with one, an expired token is asked for again, not fatal.
   */
  token?: ViewerTokenSource | undefined;
  /**
   * Called once for each event that cannot be read (not JSON, or a known type
   * whose fields are wrong). The event is skipped and the stream goes on: a bad
   * frame is never a reason to reconnect, since the server would send it again.
   */
  onError?: (error: MalformedEventError, frame: { id: string; event: string; data: string }) => void;
}

export type ViewerTokenSource = string | (() => string | Promise<string>);

const errorBodySchema = z.object({
  error: z.object({
    type: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
  constructor(readonly event: Exclude<TerminalEvent, { type: 'run.completed' }>) {
    super(event.type === 'run.failed' ? `run failed: ${event.error.message}` : 'run cancelled');
  }
}

export function createClient(options: ClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const base = options.url.replace(/\/$/, '');
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!options.apiKey) throw new Error(`${method} ${path} needs an API key: createClient({ url, apiKey }); a page with a viewer token can only subscribe`);
    const response = await doFetch(`${base}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw toApiError(response.status, json);
    return json as T;
  }

  /**
   * Every event of a run exactly once, in order, from `after` on; reconnects
   * with Last-Event-ID by itself and ends after the run's final event. An
   * event of a type this client does not know (a newer server sent it) is
   * yielded as `{ type: 'unknown', raw }`, `raw` being its JSON object, and
   * the stream goes on; a malformed one goes to `onError` and is skipped.
   */
  function subscribe(runId: string, subscribeOptions: SubscribeOptions = {}): AsyncGenerator<LoggedEvent> {
    return follow(`/v1/runs/${encodeURIComponent(runId)}/events`, isFinalEvent, 'run', subscribeOptions);
  }

  /** An event stream of the API, resumed with Last-Event-ID, up to the event `isLast` accepts. */
  async function* follow(
    path: string,
    isLast: (event: ParsedRunEvent) => boolean,
    what: string,
    subscribeOptions: SubscribeOptions = {},
  ): AsyncGenerator<LoggedEvent> {
    let lastId = subscribeOptions.after;
    let attempt = 0;
    let delayMs = options.reconnectDelayMs ?? 500;
    let refusedTokens = 0;
    const { signal, token } = subscribeOptions;
    if (token === undefined && !options.apiKey) throw new Error('subscribe needs the run\'s viewer token ({ token }) or a client with an apiKey');
    while (!signal?.aborted) {
      try {
        const viewerToken = typeof token === 'function' ? await token() : token;
        const query = viewerToken === undefined ? '' : `?token=${encodeURIComponent(viewerToken)}`;
        const response = await doFetch(`${base}${path}${query}`, {
          // With a viewer token no key is sent: the API reads the token only from a request without one.
          headers: { ...(viewerToken === undefined ? headers : {}), accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
          ...(signal ? { signal } : {}),
        });
        if (!response.ok) {
          const error = toApiError(response.status, await response.json().catch(() => undefined));
          // An expired token from a renewing source: ask it again (a few times, not forever).
          const renewable = error.status === 401 && typeof token === 'function' && ++refusedTokens <= 3;
          if (!error.isRetryable && !renewable) throw error;
          throw Object.assign(error, { retryable: true });
        }
        if (!response.body) throw new Error('the events response has no body');
        refusedTokens = 0;
        subscribeOptions.onOpen?.();
        for await (const message of parseSseStream(bodyBytes(response.body))) {
          const { id, event: type, data } = message;
          if (!id || !type) continue;
          const frame = { id, event: type, data };
          if (!isStreamId(id)) {
            subscribeOptions.onError?.(new MalformedEventError(`an event id must be a log id, got ${JSON.stringify(id)}`, id), frame);
            continue;
          }
          if (lastId !== undefined && compareStreamIds(id, lastId) <= 0) continue;
          // Read or not, this id is behind us: a reconnect must not ask for the same frame again.
          lastId = id;
          let event;
          try {
            event = parseRunEventJson(data);
          } catch (error) {
            if (!(error instanceof MalformedEventError)) throw error;
            subscribeOptions.onError?.(error, frame);
            continue;
          }
          attempt = 0;
          delayMs = options.reconnectDelayMs ?? 500;
          yield { id, event };
          if (isLast(event)) return;
        }
        if (signal?.aborted) return;
        throw new Error(`the event stream closed before the ${what} ended`);
      } catch (error) {
        if (signal?.aborted) return;
        if (error instanceof RunstreamApiError && !error.isRetryable && !('retryable' in error)) throw error;
        attempt++;
        subscribeOptions.onReconnect?.({ attempt, lastEventId: lastId, error });
        await sleep(delayMs, signal);
        delayMs = Math.min(delayMs * 2, 10_000);
      }
    }
  }

  /** The result a final event stands for; a final snapshot (the log expired) asks the run itself. */
  async function outcome(runId: string, event: TerminalEvent | RunEventOf<'snapshot'>): Promise<RunResult> {
    if (event.type === 'run.completed') return event.result;
    if (event.type === 'run.failed' || event.type === 'run.cancelled') throw new RunFailedError(event);
    const view = await call<RunDetails>('GET', `/v1/runs/${encodeURIComponent(runId)}`);
    if (view.result && view.status === 'completed') return view.result;
    const at = new Date().toISOString();
    if (view.status === 'cancelled') {
      const partial = event.type === 'snapshot' ? (event.messages.findLast((message) => message.role === 'assistant')?.content ?? '') : '';
      throw new RunFailedError({ type: 'run.cancelled', runId, at, partial });
    }
    throw new RunFailedError({ type: 'run.failed', runId, at, error: view.error ?? { type: 'Error', message: `run ${view.status}`, retryable: false } });
  }

  /**
   * The run as state rather than events: the `RunView` folded from every event
   * so far (`foldRun`), yielded after each event, for UIs that render state.
   * Text is applied at its offsets and rolled back on resume, so what it shows
   * is the final transcript's text, with no duplicates after a crash-resume.
   * Ends with the view after the run's final event.
   */
  async function* watch(runId: string, watchOptions: SubscribeOptions = {}): AsyncGenerator<RunView> {
    let view = emptyRunView(runId);
    for await (const { id, event } of subscribe(runId, watchOptions)) {
      view = foldRun(view, event, id);
      yield view;
    }
  }

  async function waitForEnd(runId: string, signal?: AbortSignal): Promise<RunResult> {
    for await (const { event } of subscribe(runId, signal ? { signal } : {})) {
      if (isFinalEvent(event)) return outcome(runId, event);
    }
    throw new Error('subscription aborted');
  }

  /**
   * Enqueue and follow in one call, in the manner of the agent SDKs' stream():
   * `events` and `result` from one subscription, usable together or alone.
   */
  function stream<Schema extends z.ZodType>(
    request: TypedRunRequest<Schema>,
    streamOptions?: { signal?: AbortSignal },
  ): RunStream<EnqueuedRun, TypedRunResult<Schema>>;
  function stream(request: CreateRunRequest, streamOptions?: { signal?: AbortSignal }): RunStream<EnqueuedRun>;
  function stream(request: CreateRunRequest | TypedRunRequest<z.ZodType>, streamOptions: { signal?: AbortSignal } = {}): RunStream<EnqueuedRun> {
    const run = call<EnqueuedRun>('POST', '/v1/runs', hasZodOutput(request) ? toWireRequest(request) : request);
    const plain = createRunStream(run, (runId) => subscribe(runId, streamOptions), outcome);
    if (!hasZodOutput(request)) return plain;
    // With a zod schema, the result's structuredOutput is parsed by it: typed, with its transforms applied.
    const schema = zodSchemaOf(request.output);
    const result = plain.result.then((value) => parseTypedResult(value, schema));
    result.catch(() => undefined);
    return { ...plain, result };
  }

  /** Enqueue a run; `output` may be plain JSON Schema or a zod schema (converted with z.toJSONSchema). */
  function enqueue(request: CreateRunRequest | TypedRunRequest<z.ZodType>): Promise<EnqueuedRun> {
    return call<EnqueuedRun>('POST', '/v1/runs', hasZodOutput(request) ? toWireRequest(request) : request);
  }

  return {
    /** Conversations: `threads.create()`, then `thread.send(input)` or `thread.stream(input)` per turn. */
    threads: createThreads({ call, follow, subscribe, outcome }),
    enqueue,
    get: (runId: string) => call<RunDetails>('GET', `/v1/runs/${encodeURIComponent(runId)}`),
    cancel: (runId: string) => call<unknown>('POST', `/v1/runs/${encodeURIComponent(runId)}/cancel`),
    /** Carries on a failed, cancelled or terminated run as a new run; `budget` raises (field by field) the limits it ran with. */
    resume: (runId: string, resumeOptions: { budget?: Budget } = {}) =>
      call<{ id: string }>('POST', `/v1/runs/${encodeURIComponent(runId)}/resume`, resumeOptions.budget === undefined ? undefined : { budget: resumeOptions.budget }),
    /**
     * Decides a tool call waiting for a person (`tool.approval_requested`): approved, it runs; denied, the model is
     * told, with the reason. A second decision fails with status 409, an unknown call with 404.
     */
    approve: (runId: string, callId: string, decision: { approve: boolean; reason?: string | undefined }) =>
      call<{ callId: string; approved: boolean }>('POST', `/v1/runs/${encodeURIComponent(runId)}/approvals/${encodeURIComponent(callId)}`, {
        approve: decision.approve,
        ...(decision.reason === undefined ? {} : { reason: decision.reason }),
      }),
    subscribe,
    watch,
    /** The run's result once it ends; throws RunFailedError when it failed or was cancelled. */
    result: waitForEnd,
    stream,
    /** Recent runs, newest first. */
    list: async (listOptions: { limit?: number } = {}) =>
      (await call<{ runs: RunSummary[] }>('GET', `/v1/runs${listOptions.limit ? `?limit=${listOptions.limit}` : ''}`)).runs,
    /** A fresh read-only viewer token for one run (they expire). */
    viewerToken: (runId: string) => call<{ viewerToken: string; expiresAt: string }>('POST', `/v1/runs/${encodeURIComponent(runId)}/viewer-token`),
  };
}

export type RunstreamClient = ReturnType<typeof createClient>;

function toApiError(status: number, body: unknown): RunstreamApiError {
  const parsed = errorBodySchema.safeParse(body);
  if (parsed.success) return new RunstreamApiError(status, parsed.data.error.type, parsed.data.error.message, parsed.data.error.issues);
  return new RunstreamApiError(status, 'http_error', `HTTP ${status}`);
}

export type { RunEvent as ClientRunEvent };

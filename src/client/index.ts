import { z } from 'zod';
import { compareStreamIds } from '../bus/stream-id.js';
import { isTerminalEvent, runEventSchema, type LoggedEvent, type RunEvent, type TerminalEvent } from '../events.js';
import type { RunResult } from '../messages.js';
import { parseSseStream } from '../providers/sse-stream.js';
import type { CreateRunRequest } from '../runs/run-request.js';
import type { RunView } from '../runs/run-service.js';
import { RunstreamApiError } from './api-client-error.js';

export { RunstreamApiError } from './api-client-error.js';
export type { CreateRunRequest } from '../runs/run-request.js';
export type { RunView } from '../runs/run-service.js';
export type { LoggedEvent, RunEvent } from '../events.js';

export interface ClientOptions {
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
  /** First reconnect delay; doubles up to 10 s, and follows the server's `retry:` hint. */
  reconnectDelayMs?: number;
}

export interface EnqueuedRun {
  id: string;
  status: string;
  viewerToken: string;
  eventsUrl: string;
}

export interface SubscribeOptions {
  /** Start after this event id (exclusive). */
  after?: string;
  signal?: AbortSignal;
  /** Called before each reconnect, for progress indicators. */
  onReconnect?: (info: { attempt: number; lastEventId: string | undefined; error: unknown }) => void;
}

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
  const headers = { authorization: `Bearer ${options.apiKey}` };

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await doFetch(`${base}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw toApiError(response.status, json);
    return json as T;
  }

  /**
   * Every event of a run exactly once, in order, from `after` on; reconnects
   * with Last-Event-ID by itself and ends after the run's final event.
   */
  async function* subscribe(runId: string, subscribeOptions: SubscribeOptions = {}): AsyncGenerator<LoggedEvent> {
    let lastId = subscribeOptions.after;
    let attempt = 0;
    let delayMs = options.reconnectDelayMs ?? 500;
    const { signal } = subscribeOptions;
    while (!signal?.aborted) {
      try {
        const response = await doFetch(`${base}/v1/runs/${encodeURIComponent(runId)}/events`, {
          headers: { ...headers, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
          ...(signal ? { signal } : {}),
        });
        if (!response.ok) {
          const error = toApiError(response.status, await response.json().catch(() => undefined));
          if (!error.isRetryable) throw error;
          throw Object.assign(error, { retryable: true });
        }
        if (!response.body) throw new Error('the events response has no body');
        for await (const message of parseSseStream(response.body as unknown as AsyncIterable<Uint8Array>)) {
          if (!message.id || !message.event) continue;
          if (lastId !== undefined && compareStreamIds(message.id, lastId) <= 0) continue;
          const event = runEventSchema.parse(JSON.parse(message.data));
          lastId = message.id;
          attempt = 0;
          delayMs = options.reconnectDelayMs ?? 500;
          yield { id: message.id, event };
          if (isTerminalEvent(event)) return;
        }
        if (signal?.aborted) return;
        throw new Error('the event stream closed before the run ended');
      } catch (error) {
        if (signal?.aborted) return;
        if (error instanceof RunstreamApiError && !error.isRetryable) throw error;
        attempt++;
        subscribeOptions.onReconnect?.({ attempt, lastEventId: lastId, error });
        await sleep(delayMs, signal);
        delayMs = Math.min(delayMs * 2, 10_000);
      }
    }
  }

  async function waitForEnd(runId: string, signal?: AbortSignal): Promise<RunResult> {
    for await (const { event } of subscribe(runId, signal ? { signal } : {})) {
      if (event.type === 'run.completed') return event.result;
      if (event.type === 'run.failed' || event.type === 'run.cancelled') throw new RunFailedError(event);
    }
    throw new Error('subscription aborted');
  }

  return {
    enqueue: (request: CreateRunRequest) => call<EnqueuedRun>('POST', '/v1/runs', request),
    get: (runId: string) => call<RunView>('GET', `/v1/runs/${encodeURIComponent(runId)}`),
    cancel: (runId: string) => call<unknown>('POST', `/v1/runs/${encodeURIComponent(runId)}/cancel`),
    resume: (runId: string) => call<{ id: string }>('POST', `/v1/runs/${encodeURIComponent(runId)}/resume`),
    subscribe,
    /** The run's result once it ends; throws RunFailedError when it failed or was cancelled. */
    result: waitForEnd,
    /** Enqueue and follow in one call, in the manner of the agent SDKs' stream(). */
    async stream(request: CreateRunRequest, streamOptions: { signal?: AbortSignal } = {}) {
      const run = await call<EnqueuedRun>('POST', '/v1/runs', request);
      const events = subscribe(run.id, streamOptions);
      return { run, events };
    },
  };
}

export type RunstreamClient = ReturnType<typeof createClient>;

function toApiError(status: number, body: unknown): RunstreamApiError {
  const parsed = errorBodySchema.safeParse(body);
  if (parsed.success) return new RunstreamApiError(status, parsed.data.error.type, parsed.data.error.message, parsed.data.error.issues);
  return new RunstreamApiError(status, 'http_error', `HTTP ${status}`);
}

export type { RunEvent as ClientRunEvent };
